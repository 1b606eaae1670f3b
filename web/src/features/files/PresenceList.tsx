import { initialsOf, type PeerPresence } from '../../sync/presence';

interface Person {
  userId: string;
  name: string;
  color: string;
}

interface PresenceListProps {
  me: Person;
  others: readonly PeerPresence[];
  /** The person followed, if any. */
  following?: string | null;
  /** Starts or stops following a person (their file and cursor). */
  onSelect: (person: PeerPresence) => void;
}

/** "Who is here": one avatar per person in the project, in their cursor colour. */
export function PresenceList({ me, others, following = null, onSelect }: PresenceListProps) {
  return (
    <ul className="presence-list" aria-label="Who is here">
      <li>
        <span
          className="presence-avatar"
          style={{ backgroundColor: me.color }}
          title={`${me.name} (you)`}
        >
          <span aria-hidden="true">{initialsOf(me.name)}</span>
          <span className="visually-hidden">{me.name} (you)</span>
        </span>
      </li>
      {others.map((person) => (
        <li key={person.userId}>
          <button
            type="button"
            className={`presence-avatar${person.userId === following ? ' presence-following' : ''}`}
            style={{ backgroundColor: person.color }}
            title={`${person.userId === following ? 'Stop following' : 'Follow'} ${person.name}${person.file ? ` (in ${person.file})` : ''}`}
            aria-label={`Follow ${person.name}${person.file ? `, in ${person.file}` : ''}`}
            aria-pressed={person.userId === following}
            onClick={() => {
              onSelect(person);
            }}
          >
            <span aria-hidden="true">{initialsOf(person.name)}</span>
          </button>
        </li>
      ))}
    </ul>
  );
}
