// @vitest-environment happy-dom
import { beforeEach, describe, expect, it } from 'vitest';
import { deepActiveElement, findCodeTargets, isCodeField, targetOf, type CodeTarget, type ShadowOf } from './detect.ts';

const page = (html: string): Document => {
  document.body.innerHTML = html;
  return document;
};

/** A target in a short form: the field's id, or the boxes' ids joined by "+". */
const describe_ = (t: CodeTarget): string => (t.kind === 'single' ? t.field.id : t.fields.map((f) => f.id).join('+'));
const found = (html: string): string[] => findCodeTargets(page(html)).map(describe_);

beforeEach(() => {
  document.body.innerHTML = '';
});

describe('one code field among others', () => {
  it.each([
    ['autocomplete one-time-code', '<input id="c" autocomplete="one-time-code">'],
    ['French label « Code d’accès »', '<label for="c">Code d’accès</label><input id="c" name="x">'],
    ['French label « Code du jeton »', '<label>Code du jeton <input id="c"></label>'],
    ['« Code à usage unique » as placeholder', '<input id="c" placeholder="Code à usage unique">'],
    ['« Code de vérification » as aria-label', '<input id="c" aria-label="Code de vérification">'],
    ['« jeton » in the name', '<input id="c" name="jeton">'],
    ['OTP in a camelCase id', '<input id="otpInput">'],
    ['passcode', '<label for="c">Passcode</label><input id="c">'],
    ['2FA code', '<input id="c" name="twofa" placeholder="2FA code">'],
    ['verification code via aria-labelledby', '<span id="l">Enter your verification code</span><input id="c" aria-labelledby="l">'],
    ['token, tel input', '<input type="tel" id="c" name="token">'],
    ['a bare « Code », numeric', '<label for="c">Code</label><input id="c" inputmode="numeric">'],
    ['number input named mfa_code', '<input type="number" id="c" name="mfa_code">'],
  ])('finds it by %s', (_, html) => {
    const ids = found(html);
    expect(ids).toHaveLength(1);
    expect(ids[0]).toMatch(/^(c|otpInput)$/);
  });

  it.each([
    ['a username', '<label for="u">Nom d’utilisateur</label><input id="u" name="code_usager" autocomplete="username">'],
    ['an e-mail (code in its name)', '<input id="e" type="email" name="email_code">'],
    ['a courriel field', '<label for="e">Courriel</label><input id="e" name="code">'],
    ['a password', '<input id="p" type="password" name="otp">'],
    ['a search box', '<input id="s" type="search" placeholder="Rechercher un code">'],
    ['a postal code', '<label for="z">Code postal</label><input id="z" name="postal" maxlength="7">'],
    ['a ZIP code', '<input id="z" name="zip_code" inputmode="numeric">'],
    ['a promo code', '<label for="p">Code promo</label><input id="p" name="code">'],
    ['a coupon', '<input id="p" placeholder="Coupon code">'],
    ['a card security code', '<label for="v">Code de sécurité de la carte</label><input id="v" inputmode="numeric" maxlength="4">'],
    ['a CVV', '<input id="v" name="cvv" autocomplete="cc-csc">'],
    ['a recovery code', '<label for="r">Recovery code</label><input id="r">'],
    ['a backup code', '<input id="r" name="backup_code" placeholder="Backup code">'],
    ['a « code de récupération »', '<input id="r" aria-label="Code de récupération">'],
    ['a « code de secours »', '<input id="r" aria-label="Code de secours">'],
    ['a hidden field', '<input id="h" type="hidden" name="otp">'],
    ['a disabled field', '<input id="d" name="otp" disabled>'],
    ['a read-only field', '<input id="d" name="otp" readonly>'],
    ['a too long field', '<input id="l" name="otp" maxlength="64">'],
    ['a checkbox', '<input id="x" type="checkbox" name="otp">'],
    ['a plain text field', '<label for="t">Commentaire</label><input id="t">'],
    ['a bare « code » without anything numeric', '<label for="t">Code</label><input id="t">'],
  ])('never takes %s', (_, html) => {
    expect(found(html)).toEqual([]);
  });

  it('picks the code field out of a whole login form', () => {
    const html = `
      <form>
        <label for="u">Nom d'utilisateur</label><input id="u" name="username" autocomplete="username">
        <label for="p">Mot de passe</label><input id="p" type="password" name="password">
        <label for="promo">Code promo</label><input id="promo" name="promo">
        <label for="otp">Code d'accès</label><input id="otp" name="otp" autocomplete="one-time-code" maxlength="10">
      </form>`;
    expect(found(html)).toEqual(['otp']);
  });
});

describe('segmented boxes', () => {
  const boxes = (n: number, wrap = false, attrs = 'inputmode="numeric"'): string =>
    `<div id="g">${Array.from({ length: n }, (_, i) => (wrap ? `<span><input id="b${i}" maxlength="1" ${attrs}></span>` : `<input id="b${i}" maxlength="1" ${attrs}>`)).join('')}</div>`;

  it.each([4, 6, 8])('finds %i boxes side by side, in order', (n) => {
    expect(found(boxes(n))).toEqual([Array.from({ length: n }, (_, i) => `b${i}`).join('+')]);
  });

  it('finds boxes each in its own wrapper', () => {
    expect(found(boxes(6, true))).toEqual(['b0+b1+b2+b3+b4+b5']);
  });

  it.each([2, 3, 9, 12])('ignores %i one-character boxes (not a code)', (n) => {
    expect(found(boxes(n))).toEqual([]);
  });

  it('ignores boxes of a card or a postal code', () => {
    expect(found(boxes(6, false, 'aria-label="Card number digit"'))).toEqual([]);
  });

  it('gives the whole group for any of its boxes', () => {
    page(boxes(6));
    const third = document.getElementById('b2')!;
    const target = targetOf(third);
    expect(target?.kind).toBe('boxes');
    expect(target && describe_(target)).toBe('b0+b1+b2+b3+b4+b5');
  });
});

describe('shadow roots and dynamic pages', () => {
  it('finds a field in an open shadow root, and one in a closed root only through the extension’s access', () => {
    page('<div id="open"></div><div id="closed"></div>');
    const open = document.getElementById('open')!.attachShadow({ mode: 'open' });
    open.innerHTML = '<label for="a">Code de vérification</label><input id="a">';
    const closedHost = document.getElementById('closed')!;
    const closed = closedHost.attachShadow({ mode: 'closed' });
    closed.innerHTML = '<input id="b" autocomplete="one-time-code">';
    expect(findCodeTargets(document).map(describe_)).toEqual(['a']);
    // What chrome.dom.openOrClosedShadowRoot / openOrClosedShadowRoot() give the content script.
    const extensionView: ShadowOf = (el) => (el === closedHost ? closed : el.shadowRoot);
    expect(findCodeTargets(document, extensionView).map(describe_)).toEqual(['a', 'b']);
  });

  it('follows the focus into shadow roots', () => {
    page('<div id="host"></div>');
    const root = document.getElementById('host')!.attachShadow({ mode: 'open' });
    root.innerHTML = '<input id="inner" name="otp">';
    (root.getElementById('inner') as HTMLInputElement).focus();
    const active = deepActiveElement(document);
    expect(active?.id).toBe('inner');
    expect(targetOf(active!)?.kind).toBe('single');
  });

  it('finds a field added after load, without a form, and forgets one that was removed', () => {
    page('<div id="app"><button>Continuer</button></div>');
    expect(findCodeTargets(document)).toEqual([]);
    const app = document.getElementById('app')!;
    const input = document.createElement('input');
    input.id = 'late';
    input.setAttribute('aria-label', 'Code du jeton');
    app.replaceChildren(input);
    expect(findCodeTargets(document).map(describe_)).toEqual(['late']);
    input.remove();
    expect(findCodeTargets(document)).toEqual([]);
    expect(input.isConnected).toBe(false);
  });

  it('answers false for a non-input', () => {
    page('<textarea id="t" name="otp"></textarea>');
    expect(targetOf(document.getElementById('t')!)).toBeNull();
    expect(isCodeField(Object.assign(document.createElement('input'), { type: 'email', name: 'otp' }))).toBe(false);
  });
});
