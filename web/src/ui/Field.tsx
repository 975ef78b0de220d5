import type { ComponentChildren, Ref } from 'preact';
import { useId } from 'preact/hooks';

/**
 * A labelled input with an optional hint and an error in words beside it. The label names the
 * control (for screen readers and tests); the hint and the error describe it, and the error
 * marks it invalid.
 */
export function Field(props: {
  label: string;
  hint?: ComponentChildren;
  error?: string;
  inputRef?: Ref<HTMLInputElement>;
  input: {
    name: string;
    type?: 'text' | 'password';
    autocomplete?: string;
    autocapitalize?: 'none' | 'off';
    spellcheck?: boolean;
    maxLength?: number;
    defaultValue?: string;
  };
}) {
  const id = useId();
  // An error takes the hint's place: it says what to do now.
  const describedBy = props.error ? `${id}-error` : props.hint ? `${id}-hint` : undefined;
  const common = {
    name: props.input.name,
    autocomplete: props.input.autocomplete,
    maxLength: props.input.maxLength,
    // Where the field starts; what the person types is theirs (a re-render does not reset it).
    defaultValue: props.input.defaultValue,
    id,
    ref: props.inputRef,
    'aria-invalid': props.error ? ('true' as const) : undefined,
    'aria-describedby': describedBy,
  };
  return (
    <div class="field">
      <label for={id}>{props.label}</label>
      {props.input.type === 'password' ? (
        <input type="password" {...common} />
      ) : (
        <input type="text" autocapitalize={props.input.autocapitalize} spellcheck={props.input.spellcheck} {...common} />
      )}
      {props.hint && !props.error && (
        <small id={`${id}-hint`} class="hint">
          {props.hint}
        </small>
      )}
      {props.error && (
        <small id={`${id}-error`} class="field-error">
          {props.error}
        </small>
      )}
    </div>
  );
}
