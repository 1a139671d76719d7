/**
 * The console over plain HTTP for tests that check one page's content without a browser: signs the
 * operator in through the sign-in form (its double-submit nonce and the session cookie included).
 */
export interface ConsoleSession {
  get(path: string): Promise<{ status: number; text: string }>;
}

function cookiesOf(response: Response): string[] {
  return response.headers.getSetCookie().map((line) => line.split(';')[0]).filter((pair) => !pair.endsWith('='));
}

export async function operatorSession(baseUrl: string, adminToken: string): Promise<ConsoleSession> {
  const form = await fetch(`${baseUrl}/console/sign-in?lang=en`);
  const nonce = /name="_csrf" value="([^"]+)"/.exec(await form.text())?.[1];
  if (!nonce) throw new Error('no sign-in nonce on the sign-in page');
  const signedIn = await fetch(`${baseUrl}/console/sign-in/operator`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookiesOf(form).join('; ') },
    body: new URLSearchParams({ _csrf: nonce, token: adminToken }).toString(),
  });
  const session = cookiesOf(signedIn).find((pair) => pair.startsWith('mp_session='));
  if (!session) throw new Error(`operator sign-in refused (HTTP ${signedIn.status})`);
  return {
    async get(path) {
      const response = await fetch(`${baseUrl}${path}${path.includes('?') ? '&' : '?'}lang=en`, { headers: { cookie: session } });
      return { status: response.status, text: await response.text() };
    },
  };
}
