import { api, type Project } from '../../api/client';
import { useResource } from '../../api/resource';

/** The projects the current user belongs to, with the mutations the list page offers. */
export function useProjects() {
  const { state, reload, update } = useResource<Project[]>('projects', (signal) =>
    api.projects.list(signal),
  );

  const create = async (name: string) => {
    const project = await api.projects.create({ name });
    update((projects) => [project, ...projects.filter((p) => p.id !== project.id)]);
    return project;
  };

  const rename = async (id: string, name: string) => {
    const project = await api.projects.rename(id, name);
    update((projects) => projects.map((p) => (p.id === id ? project : p)));
    return project;
  };

  const remove = async (id: string) => {
    await api.projects.remove(id);
    update((projects) => projects.filter((p) => p.id !== id));
  };

  return { state, reload, create, rename, remove };
}
