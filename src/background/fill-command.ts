/**
 * The keyboard command (Alt+Shift+J by default) that fills the focused code
 * field: the background tells the tab's content scripts, and the one whose
 * frame has the focus on a code field asks for the code as after a click.
 */

/** The command's name in the manifest's `commands`. */
export const FILL_COMMAND = 'fill-code';

/** What the background sends to content scripts for the command (they accept it only from Jeton itself). */
export const FILL_COMMAND_MESSAGE = { jeton: 1, command: 'fill' } as const;

/** The part of `browser.tabs` used here. */
export interface TabsArea {
  query(query: { active: true; currentWindow: true }): Promise<Array<{ id?: number }>>;
  sendMessage(tabId: number, message: unknown): Promise<unknown>;
}

/** Tells the content scripts of `tabId` (or the active tab) to fill; a tab without Jeton's script just says nothing. */
export async function fillCommand(tabs: TabsArea, tabId: number | undefined): Promise<void> {
  const id = tabId ?? (await tabs.query({ active: true, currentWindow: true }))[0]?.id;
  if (id === undefined) return;
  await tabs.sendMessage(id, FILL_COMMAND_MESSAGE).catch(() => undefined);
}
