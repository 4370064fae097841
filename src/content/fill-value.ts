/**
 * Typing a code into a page as a person would, so that React, Vue and
 * Angular pages register it: the value through the input's native setter
 * (frameworks wrap the instance's), then focus, key, `input` and `change`
 * events. Never into a node that has left the document.
 */
import type { CodeTarget } from './detect.ts';

const nativeValueSetter = (field: HTMLInputElement): ((this: HTMLInputElement, v: string) => void) | undefined => {
  const view = field.ownerDocument.defaultView;
  // The prototype of the field's own window: a field from another realm (frame) has its own.
  const proto = (view as (Window & { HTMLInputElement?: typeof HTMLInputElement }) | null)?.HTMLInputElement?.prototype ?? Object.getPrototypeOf(field);
  return Object.getOwnPropertyDescriptor(proto, 'value')?.set as ((this: HTMLInputElement, v: string) => void) | undefined;
};

/** Sets `value` on one field and dispatches what a keyboard would. False when the field is gone. */
export function typeInto(field: HTMLInputElement, value: string): boolean {
  if (!field.isConnected) return false;
  const view = field.ownerDocument.defaultView ?? window;
  field.focus();
  const key = value.slice(-1);
  field.dispatchEvent(new view.KeyboardEvent('keydown', { key, bubbles: true, composed: true }));
  const set = nativeValueSetter(field);
  if (set) set.call(field, value);
  else field.value = value;
  field.dispatchEvent(new view.InputEvent('input', { bubbles: true, composed: true, inputType: 'insertText', data: value }));
  field.dispatchEvent(new view.KeyboardEvent('keyup', { key, bubbles: true, composed: true }));
  field.dispatchEvent(new view.Event('change', { bubbles: true }));
  return true;
}

/**
 * Fills `code` into the target: the whole code in a single field, or one
 * digit per box in order (whatever the page's auto-advance does with the
 * focus meanwhile). False, and nothing typed, when the boxes do not match
 * the code's length or a field has left the document.
 */
export function fillTarget(target: CodeTarget, code: string): boolean {
  if (target.kind === 'single') return typeInto(target.field, code);
  if (target.fields.length !== code.length || !target.fields.every((f) => f.isConnected)) return false;
  target.fields.forEach((field, i) => typeInto(field, code[i]!));
  return true;
}

/** The fields of a target. */
export const fieldsOf = (target: CodeTarget): HTMLInputElement[] => (target.kind === 'single' ? [target.field] : target.fields);
