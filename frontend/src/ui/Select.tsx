import { useId, type SelectHTMLAttributes } from 'react';

export interface SelectOption {
  value: string;
  label: string;
}

export interface SelectFieldProps extends Omit<SelectHTMLAttributes<HTMLSelectElement>, 'children'> {
  label: string;
  options: readonly SelectOption[];
  /** Shown, disabled, when there are no options (e.g. "No camera found"). */
  emptyLabel?: string;
  hint?: string;
  className?: string;
}

/** A labelled DSFR select (`fr-select-group`). */
export function SelectField({ label, options, emptyLabel, hint, className, id, ...rest }: SelectFieldProps) {
  const generated = useId();
  const selectId = id ?? generated;
  const hintId = `${selectId}-hint`;
  const empty = options.length === 0;
  return (
    <div className={['fr-select-group', className].filter(Boolean).join(' ')}>
      <label className="fr-label" htmlFor={selectId}>
        {label}
        {hint !== undefined && (
          <span className="fr-hint-text" id={hintId}>
            {hint}
          </span>
        )}
      </label>
      <select
        className="fr-select"
        id={selectId}
        aria-describedby={hint !== undefined ? hintId : undefined}
        {...rest}
        disabled={empty || rest.disabled}
      >
        {empty ? (
          <option value="">{emptyLabel ?? ''}</option>
        ) : (
          options.map((option) => (
            <option key={option.value} value={option.value}>
              {option.label}
            </option>
          ))
        )}
      </select>
    </div>
  );
}
