import { api, type AuthProvider } from '../../api/client';
import { useResource } from '../../api/resource';

/** The OAuth providers this server has configured (none is a normal answer). */
export function useProviders() {
  return useResource<AuthProvider[]>('auth-providers', (signal) => api.auth.providers(signal));
}

/** The provider's login URL, asking the server to bring the user back to `returnTo`. */
export function providerHref(provider: AuthProvider, returnTo: string): string {
  const separator = provider.loginUrl.includes('?') ? '&' : '?';
  return `${provider.loginUrl}${separator}returnTo=${encodeURIComponent(returnTo)}`;
}
