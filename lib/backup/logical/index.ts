// The logical dump (.rsd) API in one import, for the routes and the restore drills. Format:
// ./FORMAT.md. Signatures here are stable; add fields, do not rename.
export { DumpFormatError, KEY_TYPES, FORMAT_VERSION, type DumpHeader, type DumpRecord, type DumpTrailer, type KeyType } from "./format";
export { readDump, type DumpSource } from "./reader";
export { DumpWriter } from "./writer";
export { exportNode, exportKeys, type ExportOptions, type ExportProgress, type ExportResult, type ExportFilters } from "./export";
export { importDump, checkImportTarget, ImportRefusedError, type ConflictPolicy, type ImportOptions, type ImportProgress, type ImportResult } from "./import";
export { TransferManager, TransferRefusedError, TRANSFER_ID, type TransferJob } from "./jobs";
