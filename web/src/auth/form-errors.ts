import { useLayoutEffect } from 'preact/hooks';

/** What is wrong with a sign-in or sign-up form, field by field, in words. */
export type Errors = { username?: string; password?: string; displayName?: string; form?: string };

/** After a failed submit, the first field with an error gets the focus. */
export function useFocusFirstError(errors: Errors, fields: Partial<Record<keyof Errors, { current: HTMLInputElement | null }>>) {
  useLayoutEffect(() => {
    for (const key of ['username', 'password', 'displayName'] as const) {
      if (errors[key]) return void fields[key]?.current?.focus();
    }
  }, [errors]);
}
