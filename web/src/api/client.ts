/**
 * Typed client for the Ensemble REST API (same origin, JSON, session cookie + CSRF header).
 * Every failure surfaces as an {@link ApiError} carrying the server's message.
 */

export type Role = 'owner' | 'editor' | 'viewer';
export const ROLES: readonly Role[] = ['owner', 'editor', 'viewer'];

/** Invite links never grant ownership. */
export type InviteRole = Exclude<Role, 'owner'>;
export const INVITE_ROLES: readonly InviteRole[] = ['editor', 'viewer'];

export interface User {
  id: string;
  username: string;
  displayName: string;
  email: string | null;
  createdAt: string;
}

export interface AuthProvider {
  id: string;
  name: string;
  loginUrl: string;
}

export interface Project {
  id: string;
  name: string;
  role: Role;
  ownerId: string;
  memberCount: number;
  createdAt: string;
  updatedAt: string;
  /** The project's root document (its file tree), `automerge:…`; absent on older servers. */
  rootDocUrl?: string;
}

export interface Member {
  userId: string;
  username: string;
  displayName: string;
  role: Role;
  addedAt: string;
}

export interface Invite {
  id: string;
  role: InviteRole;
  expiresAt: string;
  createdAt: string;
  url: string;
}

export interface CreatedInvite extends Invite {
  token: string;
}

export interface InvitePreview {
  projectId: string;
  projectName: string;
  role: InviteRole;
  expiresAt: string;
}

export interface AcceptedInvite {
  projectId: string;
  role: Role;
}

export interface AccessToken {
  id: string;
  name: string;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
}

export interface CreatedAccessToken {
  id: string;
  name: string;
  token: string;
  createdAt: string;
  expiresAt: string | null;
}

export interface SignupRequest {
  username: string;
  password: string;
  displayName?: string;
}

export interface LoginRequest {
  username: string;
  password: string;
}

export type RunStatus =
  'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled' | 'timed_out' | 'killed';

export interface Run {
  id: string;
  projectId: string;
  startedBy: string | null;
  command: string;
  status: RunStatus;
  exitCode: number | null;
  startedAt: string | null;
  durationMs: number | null;
  outputBytes: number;
  truncated: boolean;
  queuePosition?: number;
}

export interface RunConfiguration {
  name: string;
  command: string;
  workingDirectory?: string;
  detected: boolean;
}

export interface ChatThread {
  id: string;
  title: string;
  createdBy: string | null;
  messageCount: number;
  createdAt: string;
  updatedAt: string;
}

export interface ChatMessage {
  id: string;
  role: 'user' | 'assistant';
  authorId: string | null;
  content: string;
  status: 'streaming' | 'complete' | 'partial' | 'error';
  error?: { code?: string; message?: string };
  /** For an answer: the context sent with its question, and the files a code action proposed. */
  context?: { sent?: ContextPiece[]; proposals?: ProposalSummary[] };
  createdAt: string;
}

/** One piece of context that went to the model with a question. */
export interface ContextPiece {
  kind: 'file' | 'selection' | 'open' | 'run' | 'retrieved';
  path?: string;
  /** First and last line sent, from 1. */
  lines?: [number, number];
  runId?: string;
}

export type CodeActionKind = 'explain' | 'tests' | 'fix' | 'refactor' | 'docs';

export interface CodeActionRequest {
  action: CodeActionKind;
  path: string;
  selection?: string;
  runId?: string;
  instruction?: string;
  openPaths?: string[];
  threadId?: string;
}

/** A file an answer proposes, as the answer lists it. */
export interface ProposalSummary {
  id: string;
  path: string;
  /** Applying creates the file. */
  creates: boolean;
}

export interface Proposal extends ProposalSummary {
  messageId: string;
  content: string;
  /** The file's text the proposal was made against; null when it did not exist. */
  baseText: string | null;
  createdAt: string;
  appliedAt: string | null;
  appliedBy: string | null;
}

export interface ChatRequest {
  threadId?: string;
  message: string;
  /** One of the project's offered models (`api.ai.models`); the default chat model if absent. */
  model?: string;
  context?: { path?: string; selection?: string; openPaths?: string[] };
}

/** One step of an agent run: a thought, or a tool call with its approval and result. */
export interface AgentStep {
  id: string;
  messageId: string;
  seq: number;
  kind: 'thought' | 'tool';
  status: 'done' | 'running' | 'pending' | 'failed' | 'rejected' | 'expired' | 'cancelled';
  text?: string;
  tool?: string;
  needsApproval?: boolean;
  arguments?: Record<string, unknown>;
  decision?: 'approved' | 'rejected' | 'auto';
  decidedBy?: string;
  decidedByName?: string;
  reason?: string;
  result?: string;
  createdAt: string;
}

export interface AgentSettings {
  autoApply: boolean;
  maxSteps: number;
  approvalTimeoutSeconds: number;
}

export type AiProviderKind = 'openai' | 'anthropic' | 'gemini' | 'openai-compatible';
export const AI_PROVIDER_KINDS: readonly AiProviderKind[] = [
  'openai',
  'anthropic',
  'gemini',
  'openai-compatible',
];

/** A project's own model provider; the key itself is never sent back, only whether one is stored. */
export interface ProjectAiProvider {
  kind: AiProviderKind;
  baseUrl: string;
  hasApiKey: boolean;
  chatModel: string;
  completionModel: string | null;
  models: string[];
  updatedBy: string | null;
  updatedAt: string;
}

/** The models members may pick in a project, and where they come from. */
export interface AiModelOffer {
  source: 'project' | 'instance';
  kind: AiProviderKind;
  chatModel: string;
  completionModel: string;
  models: string[];
  /** When true, a question naming any other model is refused. */
  restricted: boolean;
}

export interface AiProviders {
  project: ProjectAiProvider | null;
  instance: AiModelOffer | null;
}

/** An owner's save: leaving `apiKey` out keeps the stored key (same kind and URL); null removes it. */
export interface AiProviderRequest {
  kind: AiProviderKind;
  baseUrl?: string;
  apiKey?: string | null;
  chatModel: string;
  completionModel?: string;
  models?: string[];
}

export type AiModels = { configured: false; models: [] } | ({ configured: true } & AiModelOffer);

/** The code around the cursor, for ghost text. */
export interface CompletionRequest {
  path: string;
  prefix: string;
  suffix: string;
  language?: string;
}

export interface CompletionResult {
  completion: string;
  model: string;
  cached: boolean;
  latencyMs: number;
}

export interface GitChange {
  path: string;
  change: 'added' | 'modified' | 'deleted';
}

export interface GitStatus {
  branch: string | null;
  detached?: boolean;
  head: string | null;
  /** JGit's repository state, e.g. `safe` or `merging`. */
  state?: string;
  staged: GitChange[];
  unstaged: GitChange[];
  untracked: string[];
  conflicts: string[];
  remote?: string | null;
  upstream?: string | null;
  ahead?: number;
  behind?: number;
}

export interface GitCommit {
  id: string;
  shortId: string;
  message: string;
  summary: string;
  author: { name?: string; email?: string };
  time: string;
  parents: string[];
}

export interface GitBranches {
  current: string | null;
  local: { name: string; commit: string | null; current: boolean; upstream: string | null }[];
  remote: string[];
}

export type GitJobState = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface GitJob {
  id: string;
  kind?: string;
  projectId: string;
  state: GitJobState;
  progress: { phase: string; done: number; total: number };
  error?: { code?: string; message?: string };
}

/** A file's diff against the last commit; the two texts are there when one path was asked for. */
export interface GitDiff {
  diff: string;
  path?: string;
  /** The file at HEAD; null when HEAD does not have it (a new file). */
  original?: string | null;
  /** The file as collaborators see it now; null when it was deleted. */
  modified?: string | null;
}

export interface GitPushResult {
  branch?: string;
  head?: string;
}

export interface GitPullResult {
  branch?: string;
  result?: string;
  head?: string | null;
  conflicts?: string[];
}

/** A token stored for a git host (the token itself is never sent back). */
export interface GitCredential {
  host: string;
  username: string | null;
  updatedAt: string;
}

export type GitProvider = 'github' | 'gitlab';

/** A repository the user can reach on GitHub or GitLab, as the server lists it. */
export interface HostedRepository {
  name: string;
  fullName: string;
  cloneUrl: string;
  defaultBranch: string | null;
  private: boolean;
  description: string | null;
  updatedAt: string;
}

export interface HostedRepositoryPage {
  provider: GitProvider;
  repositories: HostedRepository[];
  nextPage: number | null;
}

/** An error reported by the API (or by the network on the way to it). */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly field: string | undefined;
  readonly retryAfterSeconds: number | undefined;

  constructor(
    status: number,
    code: string,
    message: string,
    field?: string,
    retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.field = field;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** Turns anything thrown into an ApiError, so components only ever render one kind of failure. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new ApiError(0, 'client_error', message);
}

export const CSRF_COOKIE = 'ensemble_csrf';
export const CSRF_HEADER = 'X-CSRF-Token';

/** Reads the CSRF cookie afresh each time: the server rotates it on login. */
export function readCookie(name: string, cookies: string = document.cookie): string | undefined {
  for (const part of cookies.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) {
      const raw = part.slice(eq + 1).trim();
      try {
        return decodeURIComponent(raw);
      } catch {
        return raw;
      }
    }
  }
  return undefined;
}

type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

type UnauthorizedListener = () => void;
const unauthorizedListeners = new Set<UnauthorizedListener>();

/**
 * Called when a request outside /api/auth answers 401, i.e. the session has ended.
 * Returns the unsubscribe function.
 */
export function onUnauthorized(listener: UnauthorizedListener): () => void {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

interface RequestOptions {
  body?: unknown;
  /** A plain-text body (file contents) instead of JSON. */
  text?: string;
  signal?: AbortSignal | undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

async function errorFrom(response: Response): Promise<ApiError> {
  let code = 'http_' + String(response.status);
  let message = `Request failed (HTTP ${response.status}${response.statusText ? ' ' + response.statusText : ''}).`;
  let field: string | undefined;
  try {
    const body: unknown = await response.json();
    const error = isRecord(body) ? body.error : undefined;
    if (isRecord(error)) {
      if (typeof error.code === 'string') code = error.code;
      if (typeof error.message === 'string' && error.message) message = error.message;
      if (typeof error.field === 'string') field = error.field;
    }
  } catch {
    // Not JSON (a proxy's error page, say): the generic message above is the best we have.
  }
  const retryAfter = Number(response.headers.get('Retry-After'));
  const retryAfterSeconds = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined;
  return new ApiError(response.status, code, message, field, retryAfterSeconds);
}

async function request(method: Method, path: string, options: RequestOptions = {}) {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  if (options.text !== undefined) headers['Content-Type'] = 'text/plain; charset=utf-8';
  if (method !== 'GET') {
    const csrf = readCookie(CSRF_COOKIE);
    if (csrf) headers[CSRF_HEADER] = csrf;
  }
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      body: options.text ?? (options.body === undefined ? null : JSON.stringify(options.body)),
      signal: options.signal ?? null,
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw new ApiError(
      0,
      'network_error',
      'Could not reach the server. Check your connection and try again.',
    );
  }
  if (!response.ok) {
    const error = await errorFrom(response);
    if (response.status === 401 && !path.startsWith('/api/auth/')) {
      unauthorizedListeners.forEach((listener) => {
        listener();
      });
    }
    throw error;
  }
  return response;
}

async function json<T>(method: Method, path: string, options?: RequestOptions): Promise<T> {
  const response = await request(method, path, options);
  return (await response.json()) as T;
}

/** For streaming answers: the raw response once the status says it succeeded. */
export function postStream(path: string, body: unknown, signal?: AbortSignal): Promise<Response> {
  return request('POST', path, { body, signal });
}

async function empty(method: Method, path: string, options?: RequestOptions): Promise<void> {
  await request(method, path, options);
}

const seg = encodeURIComponent;

/** A project file's address in the files API; the path's slashes stay literal. */
export function fileUrl(projectId: string, path: string): string {
  return `/api/projects/${seg(projectId)}/files/${path.split('/').map(seg).join('/')}`;
}

/** A file as the files API describes it. */
export interface ProjectFile {
  path: string;
  kind: 'text' | 'binary';
  size: number;
  docUrl?: string;
}

export const api = {
  auth: {
    providers: (signal?: AbortSignal) =>
      json<AuthProvider[]>('GET', '/api/auth/providers', { signal }),
    signup: async (body: SignupRequest) =>
      (await json<{ user: User }>('POST', '/api/auth/signup', { body })).user,
    login: async (body: LoginRequest) =>
      (await json<{ user: User }>('POST', '/api/auth/login', { body })).user,
    logout: () => empty('POST', '/api/auth/logout'),
  },
  me: {
    get: async (signal?: AbortSignal) =>
      (await json<{ user: User }>('GET', '/api/me', { signal })).user,
    update: async (body: { displayName: string }) =>
      (await json<{ user: User }>('PATCH', '/api/me', { body })).user,
  },
  tokens: {
    list: (signal?: AbortSignal) => json<AccessToken[]>('GET', '/api/tokens', { signal }),
    create: (body: { name: string; expiresInDays?: number }) =>
      json<CreatedAccessToken>('POST', '/api/tokens', { body }),
    revoke: (id: string) => empty('DELETE', `/api/tokens/${seg(id)}`),
  },
  projects: {
    list: (signal?: AbortSignal) => json<Project[]>('GET', '/api/projects', { signal }),
    get: (id: string, signal?: AbortSignal) =>
      json<Project>('GET', `/api/projects/${seg(id)}`, { signal }),
    create: (body: { name: string }) => json<Project>('POST', '/api/projects', { body }),
    rename: (id: string, name: string) =>
      json<Project>('PATCH', `/api/projects/${seg(id)}`, { body: { name } }),
    remove: (id: string) => empty('DELETE', `/api/projects/${seg(id)}`),
  },
  members: {
    list: (projectId: string, signal?: AbortSignal) =>
      json<Member[]>('GET', `/api/projects/${seg(projectId)}/members`, { signal }),
    add: (projectId: string, body: { username: string; role: Role }) =>
      json<Member>('POST', `/api/projects/${seg(projectId)}/members`, { body }),
    changeRole: (projectId: string, userId: string, role: Role) =>
      json<Member>('PATCH', `/api/projects/${seg(projectId)}/members/${seg(userId)}`, {
        body: { role },
      }),
    remove: (projectId: string, userId: string) =>
      empty('DELETE', `/api/projects/${seg(projectId)}/members/${seg(userId)}`),
  },
  invites: {
    list: (projectId: string, signal?: AbortSignal) =>
      json<Invite[]>('GET', `/api/projects/${seg(projectId)}/invites`, { signal }),
    create: (projectId: string, body: { role: InviteRole; expiresInHours?: number }) =>
      json<CreatedInvite>('POST', `/api/projects/${seg(projectId)}/invites`, { body }),
    revoke: (projectId: string, inviteId: string) =>
      empty('DELETE', `/api/projects/${seg(projectId)}/invites/${seg(inviteId)}`),
    preview: (token: string, signal?: AbortSignal) =>
      json<InvitePreview>('GET', `/api/invites/${seg(token)}`, { signal }),
    accept: (token: string) => json<AcceptedInvite>('POST', `/api/invites/${seg(token)}/accept`),
  },
  runs: {
    list: (projectId: string, signal?: AbortSignal) =>
      json<Run[]>('GET', `/api/projects/${seg(projectId)}/runs?limit=30`, { signal }),
    configurations: (projectId: string, signal?: AbortSignal) =>
      json<RunConfiguration[]>('GET', `/api/projects/${seg(projectId)}/run-configurations`, {
        signal,
      }),
    start: (projectId: string, body: { command: string } | { configuration: string }) =>
      json<Run>('POST', `/api/projects/${seg(projectId)}/runs`, { body }),
    get: (runId: string, signal?: AbortSignal) =>
      json<Run>('GET', `/api/runs/${seg(runId)}`, { signal }),
    cancel: (runId: string) =>
      json<Run & { cancelled: boolean }>('POST', `/api/runs/${seg(runId)}/cancel`),
  },
  ai: {
    threads: (projectId: string, signal?: AbortSignal) =>
      json<ChatThread[]>('GET', `/api/projects/${seg(projectId)}/ai/threads`, { signal }),
    thread: (projectId: string, threadId: string, signal?: AbortSignal) =>
      json<ChatThread & { messages: ChatMessage[] }>(
        'GET',
        `/api/projects/${seg(projectId)}/ai/threads/${seg(threadId)}`,
        { signal },
      ),
    chat: (projectId: string, body: ChatRequest, signal?: AbortSignal) =>
      postStream(`/api/projects/${seg(projectId)}/ai/chat`, body, signal),
    /** Ghost text at the cursor; null when the server had none within its latency budget. */
    complete: async (projectId: string, body: CompletionRequest, signal?: AbortSignal) => {
      const response = await request('POST', `/api/projects/${seg(projectId)}/ai/complete`, {
        body,
        signal,
      });
      return response.status === 204 ? null : ((await response.json()) as CompletionResult);
    },
    stop: (projectId: string, threadId: string) =>
      json<{ stopped: boolean }>(
        'POST',
        `/api/projects/${seg(projectId)}/ai/threads/${seg(threadId)}/stop`,
      ),
    provider: (projectId: string, signal?: AbortSignal) =>
      json<AiProviders>('GET', `/api/projects/${seg(projectId)}/ai/provider`, { signal }),
    setProvider: (projectId: string, body: AiProviderRequest) =>
      json<AiProviders>('PUT', `/api/projects/${seg(projectId)}/ai/provider`, { body }),
    removeProvider: (projectId: string) =>
      empty('DELETE', `/api/projects/${seg(projectId)}/ai/provider`),
    models: (projectId: string, signal?: AbortSignal) =>
      json<AiModels>('GET', `/api/projects/${seg(projectId)}/ai/models`, { signal }),
    action: (projectId: string, body: CodeActionRequest, signal?: AbortSignal) =>
      postStream(`/api/projects/${seg(projectId)}/ai/actions`, body, signal),
    proposal: (projectId: string, proposalId: string, signal?: AbortSignal) =>
      json<Proposal>('GET', `/api/projects/${seg(projectId)}/ai/proposals/${seg(proposalId)}`, {
        signal,
      }),
    applyProposal: (projectId: string, proposalId: string, force = false) =>
      json<Proposal & { created: boolean }>(
        'POST',
        `/api/projects/${seg(projectId)}/ai/proposals/${seg(proposalId)}/apply`,
        { body: force ? { force } : {} },
      ),
  },
  agent: {
    run: (projectId: string, body: ChatRequest, signal?: AbortSignal) =>
      postStream(`/api/projects/${seg(projectId)}/ai/agent`, body, signal),
    steps: (projectId: string, threadId: string, signal?: AbortSignal) =>
      json<AgentStep[]>(
        'GET',
        `/api/projects/${seg(projectId)}/ai/threads/${seg(threadId)}/steps`,
        { signal },
      ),
    decide: (
      projectId: string,
      threadId: string,
      stepId: string,
      verdict: 'approve' | 'reject',
      reason?: string,
    ) =>
      json<AgentStep>(
        'POST',
        `/api/projects/${seg(projectId)}/ai/threads/${seg(threadId)}/steps/${seg(stepId)}/${verdict}`,
        reason ? { body: { reason } } : {},
      ),
    stop: (projectId: string, threadId: string) =>
      json<{ stopped: boolean }>(
        'POST',
        `/api/projects/${seg(projectId)}/ai/threads/${seg(threadId)}/agent/stop`,
      ),
    settings: (projectId: string, signal?: AbortSignal) =>
      json<AgentSettings>('GET', `/api/projects/${seg(projectId)}/ai/agent/settings`, { signal }),
    setAutoApply: (projectId: string, autoApply: boolean) =>
      json<AgentSettings>('PUT', `/api/projects/${seg(projectId)}/ai/agent/settings`, {
        body: { autoApply },
      }),
  },
  files: {
    /** A text file's content; null when there is no such file. */
    text: async (projectId: string, path: string, signal?: AbortSignal) => {
      try {
        const response = await request('GET', fileUrl(projectId, path), { signal });
        return await response.text();
      } catch (e) {
        if (e instanceof ApiError && e.status === 404) return null;
        throw e;
      }
    },
    /** Creates the file or replaces its text (as a minimal edit everyone sees). */
    write: (projectId: string, path: string, text: string) =>
      empty('PUT', fileUrl(projectId, path), { text }),
    move: (projectId: string, from: string, to: string) =>
      json<ProjectFile>('POST', `/api/projects/${seg(projectId)}/files:move`, {
        body: { from, to },
      }),
  },
  git: {
    status: (projectId: string, signal?: AbortSignal) =>
      json<GitStatus>('GET', `/api/projects/${seg(projectId)}/git/status`, { signal }),
    diff: (projectId: string, path: string, staged = false, signal?: AbortSignal) =>
      json<GitDiff>(
        'GET',
        `/api/projects/${seg(projectId)}/git/diff?path=${encodeURIComponent(path)}${staged ? '&staged=true' : ''}`,
        { signal },
      ),
    stage: (projectId: string, paths: string[]) =>
      json<GitStatus>('POST', `/api/projects/${seg(projectId)}/git/stage`, { body: { paths } }),
    unstage: (projectId: string, paths: string[]) =>
      json<GitStatus>('POST', `/api/projects/${seg(projectId)}/git/unstage`, { body: { paths } }),
    commit: (projectId: string, message: string) =>
      json<GitCommit>('POST', `/api/projects/${seg(projectId)}/git/commit`, {
        body: { message },
      }),
    push: (projectId: string) =>
      json<GitPushResult>('POST', `/api/projects/${seg(projectId)}/git/push`),
    pull: (projectId: string) =>
      json<GitPullResult>('POST', `/api/projects/${seg(projectId)}/git/pull`),
    log: (projectId: string, signal?: AbortSignal) =>
      json<GitCommit[]>('GET', `/api/projects/${seg(projectId)}/git/log`, { signal }),
    branches: (projectId: string, signal?: AbortSignal) =>
      json<GitBranches>('GET', `/api/projects/${seg(projectId)}/git/branches`, { signal }),
    createBranch: (projectId: string, name: string) =>
      json<GitBranches>('POST', `/api/projects/${seg(projectId)}/git/branches`, {
        body: { name },
      }),
    checkout: (projectId: string, branch: string) =>
      json<GitStatus>('POST', `/api/projects/${seg(projectId)}/git/checkout`, { body: { branch } }),
    /** Sets the project's `origin`, creating its repository when it has none (owners only). */
    connect: (projectId: string, url: string) =>
      json<GitStatus>('POST', `/api/projects/${seg(projectId)}/git/remote`, { body: { url } }),
    importRepository: (body: { url: string; branch?: string; name?: string }) =>
      json<{ projectId: string; jobId: string }>('POST', '/api/projects/import', { body }),
    job: (jobId: string, signal?: AbortSignal) =>
      json<GitJob>('GET', `/api/jobs/${seg(jobId)}`, { signal }),
    cancelJob: (jobId: string) => json<GitJob>('POST', `/api/jobs/${seg(jobId)}/cancel`),
    credentials: (signal?: AbortSignal) =>
      json<GitCredential[]>('GET', '/api/git/credentials', { signal }),
    saveCredential: (body: { host: string; username?: string; token: string }) =>
      json<{ host: string; username: string | null }>('POST', '/api/git/credentials', { body }),
    deleteCredential: (host: string) => empty('DELETE', `/api/git/credentials/${seg(host)}`),
    repositories: (provider: GitProvider, page: number, signal?: AbortSignal) =>
      json<HostedRepositoryPage>(
        'GET',
        `/api/git/repositories?provider=${seg(provider)}&page=${page}`,
        { signal },
      ),
  },
} as const;
