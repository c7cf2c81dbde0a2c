import { BackupsView } from "@/components/backups/backups-view";

export default function BackupsPage() {
  return <BackupsView />;
}
