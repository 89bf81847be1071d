// Placeholder until the command tree lands: keeps `bin/bf.js` runnable.
export async function main(_argv: string[]): Promise<number> {
  process.stderr.write('bf: commands not wired yet\n');
  return 1;
}
