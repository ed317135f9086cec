// The git side of `--changed REF`: which files differ between REF and the working tree (untracked
// files count as new), and a file's text at REF. Through the `git` command (child_process).
import { execFile } from 'node:child_process'
import { relative, resolve, sep } from 'node:path'

/** git could not answer: not a repository, git missing, or a REF that names no commit. */
export class GitError extends Error {
  override name = 'GitError'
}

function git(cwd: string, args: string[]): Promise<string> {
  return new Promise((done, fail) => {
    execFile('git', args, { cwd, maxBuffer: 64 * 1024 * 1024, windowsHide: true, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) {
        const code = (err as NodeJS.ErrnoException).code
        fail(new GitError(code === 'ENOENT' ? 'git is not installed (the git command was not found)' : String(stderr || err.message).trim().split('\n')[0]!))
      } else done(stdout)
    })
  })
}

export interface GitChanges {
  /** The repository's top folder. */
  top: string
  /** The commit REF names. */
  commit: string
  /** Changed, added, deleted and untracked files, absolute. */
  files: Set<string>
  /** A file's text at REF (undefined when it did not exist there). */
  textAt(abs: string): Promise<string | undefined>
}

export async function gitChanges(root: string, ref: string): Promise<GitChanges> {
  let top: string
  try {
    top = (await git(root, ['rev-parse', '--show-toplevel'])).trim()
  } catch (err) {
    throw new GitError(`--changed ${ref}: ${root} is not in a git repository (${(err as Error).message})`)
  }
  let commit: string
  try {
    commit = (await git(top, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`])).trim()
  } catch {
    commit = ''
  }
  if (!commit) throw new GitError(`--changed ${ref}: no such commit in ${top} (try HEAD, HEAD~1, a branch or a commit id)`)
  const [diff, untracked] = await Promise.all([
    git(top, ['diff', '--name-only', '-z', '--no-renames', commit, '--']),
    git(top, ['ls-files', '--others', '--exclude-standard', '-z']),
  ])
  const files = new Set<string>()
  for (const name of `${diff}\0${untracked}`.split('\0')) if (name) files.add(resolve(top, name))
  return {
    top,
    commit,
    files,
    async textAt(abs) {
      const path = relative(top, abs).split(sep).join('/')
      try {
        return await git(top, ['show', `${commit}:${path}`])
      } catch {
        return undefined
      }
    },
  }
}
