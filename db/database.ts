export type { DB as Database } from "./types.generated";
