import { initialsOf, type PeerPresence } from '../../sync/presence';

interface Person {
  userId: string;
  name: string;
  color: string;
}

interface PresenceListProps {
  me: Person;
  others: readonly PeerPresence[];
  /** Jumps to the file a person has open. */
  onSelect: (person: PeerPresence) => void;
}

/** "Who is here": one avatar per person in the project, in their cursor colour. */
export function PresenceList({ me, others, onSelect }: PresenceListProps) {
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
            className="presence-avatar"
            style={{ backgroundColor: person.color }}
            title={person.file ? `${person.name} — in ${person.file}` : person.name}
            aria-label={
              person.file ? `${person.name}, in ${person.file}: open that file` : person.name
            }
            disabled={person.file === undefined}
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
