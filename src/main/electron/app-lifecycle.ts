/**
 * Quitting gracefully: the first `before-quit` is held (preventDefault) while the engine shuts
 * down (JobManager.stop/close awaited: running jobs finish within the grace period or are handed
 * back), then `app.exit` ends the process. Later `before-quit`s during the shutdown are ignored,
 * so the shutdown runs once however many times the user clicks Quit.
 */
import type { App } from 'electron';

export interface QuitControllerOptions {
  app: Pick<App, 'on' | 'quit' | 'exit'>;
  /** Everything to close, in reverse order of creation; awaited before app.exit. */
  shutdown: () => Promise<void>;
  onError?: (message: string) => void;
}

export class QuitController {
  private phase: 'running' | 'shutting-down' | 'done' = 'running';
  private finished: Promise<void> | null = null;

  constructor(private readonly options: QuitControllerOptions) {}

  /** Take over `before-quit`. */
  install(): void {
    this.options.app.on('before-quit', (event) => this.onBeforeQuit(event));
  }

  /** True from the first quit request on (the window then closes instead of hiding). */
  get quitting(): boolean {
    return this.phase !== 'running';
  }

  /** Quit the app (tray, menu, a signal): runs the graceful shutdown through before-quit. */
  quit(): void {
    this.options.app.quit();
  }

  /** Resolves when the shutdown has finished and app.exit was called (for tests and signals). */
  get done(): Promise<void> | null {
    return this.finished;
  }

  private onBeforeQuit(event: { preventDefault(): void }): void {
    if (this.phase === 'done') return;
    event.preventDefault();
    if (this.phase === 'shutting-down') return;
    this.phase = 'shutting-down';
    this.finished = this.options
      .shutdown()
      .then(
        () => 0,
        (err: unknown) => {
          this.options.onError?.(`JobHandle did not shut down cleanly: ${err instanceof Error ? err.message : String(err)}`);
          return 1;
        },
      )
      .then((code) => {
        this.phase = 'done';
        this.options.app.exit(code);
      });
  }
}
