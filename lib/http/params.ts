// Shared request-parameter shapes, so every route validates the same way.
export { NODE_ID } from "../redis/address";
