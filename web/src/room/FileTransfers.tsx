import { Download, X } from 'lucide-preact';
import { type FileTransfers, formatProgress, formatSize, isLive, type Transfer } from './file-transfer.js';
import './file-transfers.css';

/**
 * The call's Files list: each file offered, going or come, with Accept and Decline for one
 * offered to this person, a progress bar ("3.2 of 20 MB") while it travels, Cancel on both
 * sides, Save once it arrived intact, and Remove once it is over. Fetched with the first file.
 */
export function FileTransfersPanel({ files }: { files: FileTransfers }) {
  const list = files.list.value;
  const problem = files.problem.value;
  return (
    <section class="file-transfers" aria-label="Files">
      {problem ? (
        <p class="error transfer-problem" role="alert">
          {problem}
          <button type="button" class="quiet" onClick={() => (files.problem.value = '')}>
            Dismiss
          </button>
        </p>
      ) : null}
      {list.length > 0 ? (
        <ul class="transfer-list">
          {list.map((t) => (
            <TransferRow key={t.id} t={t} files={files} />
          ))}
        </ul>
      ) : null}
    </section>
  );
}

function TransferRow({ t, files }: { t: Transfer; files: FileTransfers }) {
  const live = isLive(t.state);
  const moving = t.state === 'sending' || t.state === 'receiving' || t.state === 'checking';
  return (
    <li class="transfer" data-state={t.state} data-direction={t.direction}>
      <p class="transfer-title">
        {t.direction === 'in' && t.state === 'offered' ? (
          <>
            <bdi>{t.who}</bdi> wants to send you <bdi class="transfer-name">{t.name}</bdi> ({formatSize(t.size)})
          </>
        ) : (
          <>
            <bdi class="transfer-name">{t.name}</bdi> {t.direction === 'in' ? 'from' : 'to'} <bdi>{t.who}</bdi>
          </>
        )}
      </p>
      {moving ? (
        <div class="transfer-bar">
          <progress max={t.size} value={t.done} aria-label={`${t.name}, ${t.direction === 'in' ? 'received' : 'sent'}`} />
          <span class="transfer-figures">{formatProgress(t.done, t.size)}</span>
        </div>
      ) : null}
      <p class="transfer-status">{statusWords(t)}</p>
      <div class="transfer-actions">
        {t.direction === 'in' && t.state === 'offered' ? (
          <>
            <button type="button" class="primary" onClick={() => files.accept(t.id)}>
              Accept<span class="visually-hidden">{` ${t.name}`}</span>
            </button>
            <button type="button" onClick={() => files.decline(t.id)}>
              Decline<span class="visually-hidden">{` ${t.name}`}</span>
            </button>
          </>
        ) : live ? (
          <button type="button" onClick={() => files.cancel(t.id)}>
            Cancel<span class="visually-hidden">{` ${t.name}`}</span>
          </button>
        ) : null}
        {t.url ? (
          <a class="button primary" href={t.url} download={t.name}>
            <Download aria-hidden="true" size={18} />
            Save<span class="visually-hidden">{` ${t.name}`}</span>
          </a>
        ) : null}
        {live ? null : (
          <button type="button" class="quiet transfer-remove" title={`Remove ${t.name} from the list`} onClick={() => files.remove(t.id)}>
            <X aria-hidden="true" size={18} />
            <span class="visually-hidden">{`Remove ${t.name} from the list`}</span>
          </button>
        )}
      </div>
    </li>
  );
}

function statusWords(t: Transfer): string {
  switch (t.state) {
    case 'preparing':
      return 'Getting the file ready…';
    case 'offered':
      return t.direction === 'out' ? `Waiting for ${t.who} to accept…` : '';
    case 'sending':
      return 'Sending…';
    case 'receiving':
      return 'Receiving…';
    case 'checking':
      return t.direction === 'out' ? `Sent; ${t.who} is checking it…` : 'Checking the file…';
    case 'complete':
      return t.direction === 'out' ? `Sent (${formatSize(t.size)}).` : `Arrived intact (${formatSize(t.size)}).`;
    default:
      return t.note ?? '';
  }
}
