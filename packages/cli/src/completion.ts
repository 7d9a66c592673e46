import { LEVELS, Level } from '@clogs/protocol';
import { flagNames } from './command-line.js';
import { ExitCode } from './exit-codes.js';

// `clogs-cli completion bash|zsh`: a completion script made from the flags commander
// knows (the one list --help prints), their choices, and the level table.

export type CompletionShell = 'bash' | 'zsh';

/** Flags whose value is a file, or a folder: completed from the file system. */
const FILE_FLAGS = ['-c', '--config', '-i', '--input', '--key-file'];
const DIR_FLAGS = ['--data-dir'];

/** The words each flag with fixed values takes: commander's choices, and the level names. */
function valueWords(): Record<string, readonly string[]> {
  const { choices } = flagNames();
  const levels = LEVELS.filter((l) => l.level !== Level.UNSET).map((l) => l.name);
  return { ...choices, '--level': levels };
}

function bash(): string {
  const { flags } = flagNames();
  const cases = Object.entries(valueWords())
    .map(
      ([flag, words]) => `    ${flag}) COMPREPLY=($(compgen -W '${words.join(' ')}' -- "$cur")); return ;;`,
    )
    .join('\n');
  return `# clogs-cli completion for bash. Load it with: eval "$(clogs-cli completion bash)"
_clogs_cli() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}"
  COMPREPLY=()
  if [[ $COMP_CWORD -eq 2 && "\${COMP_WORDS[1]}" == completion ]]; then
    COMPREPLY=($(compgen -W 'bash zsh' -- "$cur")); return
  fi
  if [[ $COMP_CWORD -eq 2 && "\${COMP_WORDS[1]}" == keygen ]]; then
    COMPREPLY=($(compgen -f -- "$cur")); return
  fi
  case "$prev" in
${cases}
    ${FILE_FLAGS.join('|')}) COMPREPLY=($(compgen -f -- "$cur")); return ;;
    ${DIR_FLAGS.join('|')}) COMPREPLY=($(compgen -d -- "$cur")); return ;;
  esac
  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W '${flags.join(' ')}' -- "$cur"))
  elif [[ $COMP_CWORD -eq 1 ]]; then
    COMPREPLY=($(compgen -W 'completion keygen' -- "$cur"))
  fi
}
complete -F _clogs_cli clogs-cli
`;
}

function zsh(): string {
  const { flags } = flagNames();
  const cases = Object.entries(valueWords())
    .map(([flag, words]) => `    ${flag}) compadd -- ${words.join(' ')}; return ;;`)
    .join('\n');
  return `#compdef clogs-cli
# clogs-cli completion for zsh. Load it with: eval "$(clogs-cli completion zsh)" (after compinit)
_clogs_cli() {
  if (( CURRENT == 3 )) && [[ $words[2] == completion ]]; then
    compadd -- bash zsh; return
  fi
  if (( CURRENT == 3 )) && [[ $words[2] == keygen ]]; then
    _files; return
  fi
  case $words[CURRENT-1] in
${cases}
    ${FILE_FLAGS.join('|')}) _files; return ;;
    ${DIR_FLAGS.join('|')}) _files -/; return ;;
  esac
  if [[ $words[CURRENT] == -* ]]; then
    compadd -- ${flags.join(' ')}
  elif (( CURRENT == 2 )); then
    compadd -- completion keygen
  fi
}
compdef _clogs_cli clogs-cli
`;
}

/**
 * `clogs-cli completion <shell>`: prints the script on stdout; exit 0, or 64 naming
 * the shells it knows.
 */
export function runCompletion(
  args: readonly string[],
  io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream },
): number {
  const [shell, ...more] = args;
  if ((shell !== 'bash' && shell !== 'zsh') || more.length > 0) {
    io.stderr.write('clogs-cli: usage: clogs-cli completion bash|zsh\n');
    return ExitCode.USAGE;
  }
  io.stdout.write(shell === 'bash' ? bash() : zsh());
  return ExitCode.OK;
}
