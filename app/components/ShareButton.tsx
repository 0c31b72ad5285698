/** "Copy link": the URL of exactly this state, to the clipboard and into a read-only field. */
import type { ReactElement } from 'react';
import { useLensStoreHook } from '../store/context.ts';
import { shareUrl, windowUrlTarget } from '../store/urlSync.ts';
import { useLensPick } from './useLens.ts';

export function ShareButton(): ReactElement {
  const store = useLensStoreHook();
  const { url, copied } = useLensPick((s) => ({ url: s.shareUrl, copied: s.shareCopied }));
  const onClick = async (): Promise<void> => {
    const link = await shareUrl(store, windowUrlTarget());
    let ok = false;
    try {
      await navigator.clipboard.writeText(link);
      ok = true;
    } catch {
      // no permission or no focus: the field below still holds the link
    }
    store.getState().setShareUrl(link, ok);
  };
  return (
    <div className="share">
      <button type="button" data-testid="share-link" onClick={() => void onClick()}>
        Copy link
      </button>
      {url ? (
        <>
          <input
            type="text"
            readOnly
            className="share-url"
            data-testid="share-url"
            aria-label="Link to this state"
            value={url}
            onFocus={(e) => e.currentTarget.select()}
          />
          <span className="share-copied" role="status">
            {copied ? 'copied' : 'select and copy'}
          </span>
        </>
      ) : null}
    </div>
  );
}
