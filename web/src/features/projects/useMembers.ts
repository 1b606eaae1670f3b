import { api, type Member, type Role } from '../../api/client';
import { useResource } from '../../api/resource';

/** A project's members, with the owner's add / change-role / remove actions. */
export function useMembers(projectId: string) {
  const { state, reload, update } = useResource<Member[]>(`members:${projectId}`, (signal) =>
    api.members.list(projectId, signal),
  );

  const add = async (username: string, role: Role) => {
    const member = await api.members.add(projectId, { username, role });
    update((members) => [...members.filter((m) => m.userId !== member.userId), member]);
    return member;
  };

  const changeRole = async (userId: string, role: Role) => {
    const member = await api.members.changeRole(projectId, userId, role);
    update((members) => members.map((m) => (m.userId === userId ? member : m)));
    return member;
  };

  const remove = async (userId: string) => {
    await api.members.remove(projectId, userId);
    update((members) => members.filter((m) => m.userId !== userId));
  };

  return { state, reload, add, changeRole, remove };
}
