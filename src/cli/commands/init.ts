import { MlvCommand } from '../base.js';
import { init } from '../../core/api/init.js';

export default class Init extends MlvCommand {
  static override summary = 'Set up mlv in the current Git repository';
  static override description = 'Creates .mlv/ (config.yaml, .gitignore). Running it again changes nothing.';
  static override examples = ['<%= config.bin %> init'];

  async run(): Promise<void> {
    await this.parseWithGlobals(Init);
    const r = await init(process.cwd());
    if (!r.created) {
      this.say(`mlv is already initialised in ${r.root}; nothing changed.`);
      return;
    }
    this.say(`Initialised mlv in ${r.root}/.mlv`);
    this.say(`Commit the setup with: git add ${r.written.join(' ')} && git commit -m "Set up mlv"`);
  }
}
