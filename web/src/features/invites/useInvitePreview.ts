import { api, type InvitePreview } from '../../api/client';
import { useResource } from '../../api/resource';

/** What an invite link offers: which project, and with which role. */
export function useInvitePreview(token: string) {
  return useResource<InvitePreview>(`invite:${token}`, (signal) =>
    api.invites.preview(token, signal),
  );
}
