import { route } from "@/lib/http/route";
import { transferJob, TransferParams } from "@/lib/http/transfer-request";

export const dynamic = "force-dynamic";

export const GET = route({ params: TransferParams }, ({ rt, params }) => transferJob(rt, params.id, "import"));
