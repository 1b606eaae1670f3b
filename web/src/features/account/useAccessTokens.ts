import { api, type AccessToken } from '../../api/client';
import { useResource } from '../../api/resource';

/** The current user's personal access tokens (never their secrets, which are shown once). */
export function useAccessTokens() {
  const { state, reload, update } = useResource<AccessToken[]>('tokens', (signal) =>
    api.tokens.list(signal),
  );

  const create = async (name: string, expiresInDays: number | undefined) => {
    const created = await api.tokens.create(
      expiresInDays === undefined ? { name } : { name, expiresInDays },
    );
    const token: AccessToken = {
      id: created.id,
      name: created.name,
      createdAt: created.createdAt,
      expiresAt: created.expiresAt,
      lastUsedAt: null,
    };
    update((tokens) => [token, ...tokens.filter((t) => t.id !== token.id)]);
    return created;
  };

  const revoke = async (id: string) => {
    await api.tokens.revoke(id);
    update((tokens) => tokens.filter((t) => t.id !== id));
  };

  return { state, reload, create, revoke };
}
