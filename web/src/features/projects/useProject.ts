import { api, type Project } from '../../api/client';
import { useResource } from '../../api/resource';

/** One project as the current user sees it (their role included). */
export function useProject(projectId: string) {
  return useResource<Project>(`project:${projectId}`, (signal) =>
    api.projects.get(projectId, signal),
  );
}
