// Progressive enhancement only: every page works without this file. While a batch settles, its
// progress bar, counts and status are refreshed from /console/batches/:id/progress until the batch
// is final.
(() => {
  const bar = document.querySelector('progress[data-poll]');
  if (!bar) return;
  const every = Number(bar.dataset.every) || 1000;
  const text = document.querySelector('[data-progress-text]');
  const tick = async () => {
    try {
      const response = await fetch(bar.dataset.poll, { headers: { accept: 'application/json' }, credentials: 'same-origin' });
      if (response.ok) {
        const progress = await response.json();
        bar.max = Math.max(progress.valid, 1);
        bar.value = progress.settled;
        if (text) text.textContent = `${progress.settled} / ${progress.valid}`;
        for (const [status, count] of Object.entries(progress.counts)) {
          const cell = document.querySelector(`[data-count="${status}"]`);
          if (cell) cell.textContent = String(count);
        }
        const status = document.querySelector('[data-batch-status] .badge');
        if (status) status.textContent = progress.status;
        if (progress.final) return bar.setAttribute('data-final', progress.status);
      }
    } catch {
      // A failed poll is tried again at the next tick.
    }
    setTimeout(tick, every);
  };
  setTimeout(tick, every);
})();
