"use client";
// Data that is not live loads with SWR through one fetcher: JSON in, and an API answer's
// `{ error }` becomes the hook's error (an ApiError with the HTTP status), never data.
import useSWR, { type SWRConfiguration, type SWRResponse } from "swr";
import { ApiError, apiJson } from "@/components/keys/api";

export { ApiError };

export const fetchJson = <T,>(url: string): Promise<T> => apiJson<T>(url);

/** GET `url` (null: not yet). A 4xx is not retried: asking again gives the same answer. */
export function useApi<T>(url: string | null, config: SWRConfiguration<T, ApiError> = {}): SWRResponse<T, ApiError> {
  return useSWR<T, ApiError>(url, fetchJson<T>, {
    shouldRetryOnError: (err: unknown) => !(err instanceof ApiError && err.status < 500),
    ...config,
  });
}

export interface Me {
  user: string;
  role: "viewer" | "operator";
  canSeeValues?: boolean;
}

/** Who is logged in; one request shared by every component that asks. */
export function useMe(): Me | null {
  return useApi<Me>("/api/auth/me", { revalidateOnFocus: false }).data ?? null;
}
