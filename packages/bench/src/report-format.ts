/** Number and Markdown formatting shared by the report's sections. */

export const int = (n: number): string => Math.round(n).toLocaleString('en-US');
export const fixed = (n: number, digits = 1): string => n.toFixed(digits);
export const times = (n: number | undefined): string => (n === undefined || !Number.isFinite(n) ? '–' : `${n.toFixed(2)}×`);
export const percent = (n: number): string => `${Math.round(n * 100)}%`;
export const kb = (bytes: number | undefined): string => (bytes === undefined ? '–' : `${(bytes / 1000).toFixed(1)} kB`);
export const verdict = (ok: boolean): string => (ok ? 'met' : 'missed');

export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}
