// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { fillTarget, typeInto } from './fill-value.ts';
import { seenOpacity } from './guard.ts';

describe('typing a code as a person would', () => {
  it('sets the value through the native setter and sends key, input and change events', () => {
    document.body.innerHTML = '<input id="c">';
    const field = document.getElementById('c') as HTMLInputElement;
    // As React does: the instance's own value property shadows the prototype's, and only events tell it of changes.
    let tracked = '';
    Object.defineProperty(field, 'value', {
      configurable: true,
      get: () => tracked,
      set: () => {
        throw new Error('the instance setter must not be used');
      },
    });
    const seen: string[] = [];
    for (const type of ['keydown', 'input', 'keyup', 'change']) field.addEventListener(type, () => seen.push(type));
    const native = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')!;
    field.addEventListener('input', () => (tracked = native.get!.call(field) as string));
    expect(typeInto(field, '123456')).toBe(true);
    expect(seen).toEqual(['keydown', 'input', 'keyup', 'change']);
    expect(tracked).toBe('123456');
    expect(document.activeElement).toBe(field);
  });

  it('types one digit per box, in order, even when the page moves the focus itself', () => {
    document.body.innerHTML = '<div>' + '<input maxlength="1">'.repeat(6) + '</div>';
    const boxes = [...document.querySelectorAll('input')];
    // The page's auto-advance.
    boxes.forEach((box, i) => box.addEventListener('input', () => boxes[i + 1]?.focus()));
    expect(fillTarget({ kind: 'boxes', fields: boxes }, '482913')).toBe(true);
    expect(boxes.map((b) => b.value).join('')).toBe('482913');
  });

  it('types nothing into boxes of another count, or into a field that left the document', () => {
    document.body.innerHTML = '<div>' + '<input maxlength="1">'.repeat(4) + '</div><input id="gone">';
    const boxes = [...document.querySelectorAll('div input')] as HTMLInputElement[];
    expect(fillTarget({ kind: 'boxes', fields: boxes }, '482913')).toBe(false);
    expect(boxes.map((b) => b.value)).toEqual(['', '', '', '']);
    const gone = document.getElementById('gone') as HTMLInputElement;
    gone.remove();
    expect(fillTarget({ kind: 'single', field: gone }, '482913')).toBe(false);
    expect(gone.value).toBe('');
  });
});

describe('what a person can see', () => {
  it('multiplies the opacity of every ancestor up to html, and counts hidden as 0', () => {
    document.body.innerHTML = '<div id="a" style="opacity:0.5"><div id="b" style="opacity:0.5"><input id="c"></div></div><div style="visibility:hidden"><input id="h"></div>';
    expect(seenOpacity(document.getElementById('c')!)).toBeCloseTo(0.25);
    expect(seenOpacity(document.getElementById('h')!)).toBe(0);
    document.documentElement.style.opacity = '0.05';
    document.getElementById('a')!.style.opacity = '1';
    document.getElementById('b')!.style.opacity = '1';
    expect(seenOpacity(document.getElementById('c')!)).toBeCloseTo(0.05);
    document.documentElement.style.opacity = '';
  });
});
