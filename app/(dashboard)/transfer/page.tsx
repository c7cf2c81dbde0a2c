import { TransferView } from "@/components/transfer/transfer-view";

export default function TransferPage() {
  return <TransferView />;
}
