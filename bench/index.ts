/**
 * `npm run bench`: Jeton's performance figures, section by section. Each
 * section runs for a bounded time, prints its own figures and returns
 * whether its targets were met; the run exits non-zero if one was missed.
 */
import { extensionSection } from './extension.ts';
import { serverSection } from './server.ts';
import { noteLoad, printSummary } from './summary.ts';

export interface BenchSection {
  name: string;
  /** Prints the figures; resolves to true when every target is met. */
  run(): Promise<boolean>;
}

const sections: BenchSection[] = [serverSection, extensionSection];

// `npm run bench -- server` runs only the sections whose name contains a word given.
const wanted = process.argv.slice(2).map((w) => w.toLowerCase());
const chosen = sections.filter((s) => wanted.length === 0 || wanted.some((w) => s.name.toLowerCase().includes(w)));

let allMet = true;
for (const section of chosen) {
  console.info(`\n== ${section.name} ==`);
  noteLoad();
  try {
    allMet = (await section.run()) && allMet;
  } catch (err) {
    allMet = false;
    console.error(`${section.name} failed:`, err);
  }
  noteLoad();
}
printSummary();
process.exitCode = allMet ? 0 : 1;
