import { useId, type InputHTMLAttributes, type ReactNode, type SelectHTMLAttributes } from 'react';
import { ROLES, type ApiError, type Role } from '../api/client';
import { ROLE_LABELS } from './format';

interface FieldFrameProps {
  label: ReactNode;
  hint?: ReactNode;
  /** The form's last error; the field is marked invalid when the server names it. */
  error?: ApiError | null;
  name: string;
  children: (ids: { id: string; hintId: string | undefined; invalid: boolean }) => ReactNode;
}

function FieldFrame({ label, hint, error, name, children }: FieldFrameProps) {
  const id = useId();
  const hintId = hint ? `${id}-hint` : undefined;
  const invalid = error?.field === name;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children({ id, hintId, invalid })}
      {hint && (
        <small className="hint" id={hintId}>
          {hint}
        </small>
      )}
    </div>
  );
}

type TextFieldProps = Omit<InputHTMLAttributes<HTMLInputElement>, 'id' | 'name'> & {
  label: ReactNode;
  name: string;
  hint?: ReactNode;
  error?: ApiError | null;
};

/** A labelled input that points assistive technology at its hint and at server-side errors. */
export function TextField({ label, name, hint, error, ...input }: TextFieldProps) {
  return (
    <FieldFrame label={label} hint={hint} error={error ?? null} name={name}>
      {({ id, hintId, invalid }) => (
        <input
          id={id}
          name={name}
          aria-describedby={hintId}
          aria-invalid={invalid || undefined}
          {...input}
        />
      )}
    </FieldFrame>
  );
}

type RoleSelectProps<R extends Role> = Omit<
  SelectHTMLAttributes<HTMLSelectElement>,
  'id' | 'name' | 'value' | 'onChange'
> & {
  label: ReactNode;
  name: string;
  value: R;
  onChange: (role: R) => void;
  /** The roles on offer, in order. */
  roles: readonly R[];
  error?: ApiError | null;
};

/** Whether `value` is one of `roles` (all roles by default). */
export function isRole<R extends Role = Role>(
  value: string,
  roles: readonly R[] = ROLES as readonly R[],
): value is R {
  return (roles as readonly string[]).includes(value);
}

export function RoleSelect<R extends Role>({
  label,
  name,
  value,
  onChange,
  roles,
  error,
  ...select
}: RoleSelectProps<R>) {
  return (
    <FieldFrame label={label} error={error ?? null} name={name}>
      {({ id, invalid }) => (
        <select
          id={id}
          name={name}
          value={value}
          aria-invalid={invalid || undefined}
          onChange={(event) => {
            if (isRole(event.target.value, roles)) onChange(event.target.value);
          }}
          {...select}
        >
          {roles.map((role) => (
            <option key={role} value={role}>
              {ROLE_LABELS[role]}
            </option>
          ))}
        </select>
      )}
    </FieldFrame>
  );
}
