/**
 * `completion bash|zsh|fish`: a completion script generated from the command table
 * (commands, sub-commands, each command's options; files where a command takes paths).
 */
import { UsageError } from '../../kernel/errors.js';
import type { CommandSpec } from './define.js';
import { GLOBAL_OPTIONS, JSON_OPTIONS } from './options.js';
import { COMMANDS, GROUPS } from './table.js';
import type { CommandContext } from './context.js';

interface Words {
  /** `set`, or the group of `member add`. */
  top: string[];
  /** group → its sub-commands */
  subs: Map<string, string[]>;
  /** `set` / `member add` → its long options */
  options: Map<string, string[]>;
}

const longFlags = (spec: CommandSpec) =>
  [...spec.options, ...GLOBAL_OPTIONS, ...(spec.json ? JSON_OPTIONS : [])].flatMap((o) => o.flags.split(/[ ,]+/).filter((f) => f.startsWith('--'))).concat('--help');

function words(): Words {
  const top = new Set<string>(['completion']);
  const subs = new Map<string, string[]>();
  const options = new Map<string, string[]>();
  for (const spec of COMMANDS) {
    const [first, sub] = spec.name.split(' ') as [string, string | undefined];
    top.add(first);
    if (sub) subs.set(first, [...(subs.get(first) ?? []), sub]);
    options.set(spec.name, longFlags(spec));
  }
  return { top: [...top].sort(), subs, options };
}

function bash(w: Words): string {
  const cases = [...w.options].map(([name, opts]) => `    "${name}") opts="${opts.join(' ')}" ;;`).join('\n');
  const subCases = [...w.subs].map(([g, s]) => `    ${g}) COMPREPLY=( $(compgen -W "${s.join(' ')}" -- "$cur") ); return ;;`).join('\n');
  return `# keyfold bash completion: source <(keyfold completion bash)
_keyfold() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" cmd="\${COMP_WORDS[1]}" opts=""
  if [ "$COMP_CWORD" -eq 1 ]; then COMPREPLY=( $(compgen -W "${w.top.join(' ')}" -- "$cur") ); return; fi
  if [ "$COMP_CWORD" -eq 2 ]; then
    case "$cmd" in
${subCases}
    esac
  fi
  case "$cmd" in ${[...w.subs.keys()].join('|')}) cmd="$cmd \${COMP_WORDS[2]}" ;; esac
  case "$cmd" in
    "completion") COMPREPLY=( $(compgen -W "bash zsh fish" -- "$cur") ); return ;;
${cases}
  esac
  if [[ "$cur" == -* ]]; then COMPREPLY=( $(compgen -W "$opts" -- "$cur") ); else COMPREPLY=( $(compgen -f -- "$cur") ); fi
}
complete -o filenames -F _keyfold keyfold
`;
}

function zsh(w: Words): string {
  // zsh runs bash completion functions through bashcompinit.
  return `#compdef keyfold
# keyfold zsh completion: source <(keyfold completion zsh)
autoload -U +X bashcompinit && bashcompinit
${bash(w).replace(/^# keyfold bash completion.*\n/, '')}`;
}

function fish(w: Words): string {
  const lines = ['# keyfold fish completion: keyfold completion fish | source', 'complete -c keyfold -f'];
  const groups = new Set(w.subs.keys());
  for (const t of w.top) {
    const spec = COMMANDS.find((c) => c.name === t);
    const description = spec?.summary ?? GROUPS[t] ?? (t === 'completion' ? 'print a shell completion script' : '');
    lines.push(`complete -c keyfold -n '__fish_use_subcommand' -a ${t} -d ${fishQuote(description.slice(0, 80))}`);
  }
  for (const [g, subs] of w.subs) {
    for (const s of subs) lines.push(`complete -c keyfold -n '__fish_seen_subcommand_from ${g}; and not __fish_seen_subcommand_from ${subs.join(' ')}' -a ${s}`);
  }
  for (const [name, opts] of w.options) {
    const last = name.split(' ').pop()!;
    const cond = groups.has(name.split(' ')[0]!) ? `__fish_seen_subcommand_from ${last}` : `__fish_seen_subcommand_from ${name}`;
    for (const o of opts) lines.push(`complete -c keyfold -n '${cond}' -l ${o.slice(2)}`);
  }
  lines.push(`complete -c keyfold -n '__fish_seen_subcommand_from completion' -a 'bash zsh fish'`);
  return lines.join('\n') + '\n';
}

/** A literal fish string: single quotes, with `\` and `'` escaped (no expansion inside). */
function fishQuote(s: string): string {
  return `'${s.replace(/[\\']/g, (c) => `\\${c}`)}'`;
}

const SHELLS = { bash, zsh, fish } as const;

export default async function completionCommand(ctx: CommandContext, [shell]: string[]): Promise<void> {
  const make = SHELLS[shell as keyof typeof SHELLS];
  if (!make || !Object.hasOwn(SHELLS, shell!)) throw new UsageError(`no completion for "${(shell ?? '').slice(0, 20)}"`, { hint: 'keyfold completion bash|zsh|fish' });
  ctx.out.raw(make(words()));
}
