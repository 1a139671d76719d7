import type { Locale } from '../../errors.ts';
import { html, type Html } from './html.ts';
import { t } from './i18n.ts';
import type { Viewer } from './viewer.ts';

/** The page around every console view: navigation by role, language switch, sign-out. */
export function page(locale: Locale, viewer: Viewer | undefined, title: string, body: Html): string {
  const nav = viewer
    ? html`<nav aria-label="main">
        <a href="/console/batches">${t(locale, 'batches')}</a>
        ${viewer.kind === 'user' && viewer.user.role === 'maker' ? html`<a href="/console/upload">${t(locale, 'upload')}</a>` : ''}
        ${viewer.kind === 'operator'
          ? html`<a href="/console/merchants">${t(locale, 'merchants')}</a>
              <a href="/console/ledger">${t(locale, 'ledger')}</a>
              <a href="/console/audit">${t(locale, 'audit')}</a>
              <a href="/console/chunks">${t(locale, 'chunks')}</a>
              <a href="/console/webhooks">${t(locale, 'webhooks')}</a>
              <a href="/console/bank-files">${t(locale, 'bankFiles')}</a>`
          : ''}
        <span class="who">${t(locale, 'signedInAs')}: ${viewer.kind === 'operator' ? t(locale, 'operator') : `${viewer.user.email} (${viewer.user.role})`}</span>
        <form method="post" action="/console/sign-out" class="inline">
          <input type="hidden" name="_csrf" value="${viewer.csrfToken}" />
          <button type="submit">${t(locale, 'signOut')}</button>
        </form>
      </nav>`
    : '';
  return html`<!doctype html>
<html lang="${locale}">
<head>
<meta charset="utf-8" />
<meta name="viewport" content="width=device-width, initial-scale=1" />
<title>${title} · masspayout</title>
<link rel="stylesheet" href="/console/assets/console.css" />
<script src="/console/assets/console.js" defer></script>
</head>
<body>
<header>
  <a class="brand" href="/console">masspayout</a>
  ${nav}
  <span class="lang">${t(locale, 'language')}: <a href="?lang=tr" hreflang="tr">TR</a> · <a href="?lang=en" hreflang="en">EN</a></span>
</header>
<main>
<h1>${title}</h1>
${body}
</main>
</body>
</html>`.text;
}
