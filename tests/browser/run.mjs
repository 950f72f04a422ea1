// Sala's browser tests: a person's way through the site in Debian's Chromium, driven by
// playwright-core. Started by tests/it/browser.rs against a real server:
//   node run.mjs BASE_URL OUTBOX_DIR
// Prints one line per scenario and a closing "N passed, N failed" line; exits 1 on failure.
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const [base, outbox] = process.argv.slice(2);
const require = createRequire(import.meta.url);
const axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
    '--disable-sync', '--no-first-run'],
});
const phone = { viewport: { width: 360, height: 740 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };

function check(condition, message) {
  if (!condition) throw new Error(message);
}

/** The 2g profile of ../shared/tools/pageweight: 50 kbit/s down, 20 up, 300 ms, CPU 4x. */
async function throttle(page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false, latency: 300, downloadThroughput: 50000 / 8, uploadThroughput: 20000 / 8,
  });
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
}

/** Registers as a person does: the form, then the link in the email, where the password is chosen. */
async function register(page, email) {
  await page.goto(base + '/register');
  await page.fill('#name_km', 'សុខ ចាន់ធា');
  await page.fill('#name_latin', 'Sok Chantha');
  await page.fill('#email', email);
  await page.selectOption('#province', '16');
  await page.click('main button[type=submit]');
  check(page.url().endsWith('/register/sent'), 'asked to check the email: ' + page.url());
  const link = (await mailTo(email)).match(/https?:\/\/\S+\/password-reset\/[A-Za-z0-9_-]+/);
  check(link, 'a link in the registration email');
  await page.goto(link[0]);
  await page.fill('#password', 'river mango lantern');
  await page.click('main button[type=submit]');
  check(page.url().includes('/account'), 'registered and signed in: ' + page.url());
}

/** The text of a mail file, as a mail program would show it. */
function mailText(raw) {
  const [, ...rest] = raw.split(/\r?\n\r?\n/);
  const body = rest.join('\n');
  return /Content-Transfer-Encoding: base64/i.test(raw)
    ? Buffer.from(body.replace(/\s/g, ''), 'base64').toString('utf8')
    : raw.replace(/=\r?\n/g, '');
}

function mailFiles() {
  return fs.readdirSync(outbox).filter((f) => f.endsWith('.eml'))
    .map((f) => path.join(outbox, f)).sort((a, b) => fs.statSync(a).mtimeMs - fs.statSync(b).mtimeMs);
}

function newestMail() {
  const files = mailFiles();
  return mailText(fs.readFileSync(files[files.length - 1], 'utf8'));
}

/** The newest mail to `address`, waiting up to 10 s for it to be delivered. */
async function mailTo(address) {
  const to = new RegExp('^To:.*' + address.replace(/[.]/g, '\\.'), 'mi');
  for (let i = 0; i < 100; i += 1) {
    // A file written in the last moments may still be being written: leave it for later.
    const found = mailFiles().filter((f) => Date.now() - fs.statSync(f).mtimeMs > 150)
      .map((f) => fs.readFileSync(f, 'utf8')).filter((raw) => to.test(raw));
    if (found.length > 0) return mailText(found[found.length - 1]);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('no mail to ' + address);
}

const scenarios = {
  // Issue 3: register, switch language, sign out and in, reset a password through the
  // outbox — on a phone-sized screen with JavaScript off.
  async 'a new user registers, switches language, signs out and in, and resets the password'() {
    const context = await browser.newContext({ ...phone, javaScriptEnabled: false, locale: 'km-KH' });
    const page = await context.newPage();
    await register(page, 'walk@example.org');
    // Signed in, the language switch is a small posted form (it changes the profile).
    await page.click('header form[action="/lang/en"] button');
    check((await page.textContent('h1')) === 'My account', 'English after the switch');
    await page.click('header form[action="/lang/km"] button');
    check((await page.textContent('h1')) === 'គណនីរបស់ខ្ញុំ', 'Khmer after the switch');
    const signOut = 'header form[action="/sign-out"] button';
    await page.click(signOut);
    await page.click('header a[href="/sign-in"]');
    await page.fill('#email', 'walk@example.org');
    await page.fill('#password', 'river mango lantern');
    await page.click('main button[type=submit]');
    await page.waitForSelector(signOut, { timeout: 10000 });
    await page.click(signOut);
    await page.goto(base + '/password-reset');
    await page.fill('#email', 'walk@example.org');
    await page.click('main button[type=submit]');
    await page.waitForTimeout(500);
    const link = newestMail().match(/https?:\/\/\S+\/password-reset\/[A-Za-z0-9_-]+/);
    check(link, 'a reset link in the outbox');
    await page.goto(link[0]);
    await page.fill('#password', 'a new long passphrase');
    await page.click('main button[type=submit]');
    check(page.url().includes('/account?password=changed'), 'password changed: ' + page.url());
    await context.close();
  },

  // Issue 5: find the WASH course, read it anonymously, sign in, read all nine chapters
  // with automatic progression at 2g, leave, come back and continue where they were.
  async 'a learner reads the whole WASH course at 2g and continues where they stopped'() {
    const context = await browser.newContext(phone);
    const page = await context.newPage();
    await throttle(page);
    await page.goto(base + '/courses');
    await page.click('a[href="/courses/inclusive-wash"]');
    await page.click('main a.button');
    check(/\/courses\/inclusive-wash\/why-inclusive-wash$/.test(page.url()), 'anonymous reading: ' + page.url());
    await register(page, 'reader@example.org');
    await page.goto(base + '/courses/inclusive-wash');
    await page.click('main a.button');
    let chapters = 0;
    for (;;) {
      chapters += 1;
      // Answer the practice check (any answers complete a chapter), then "next chapter".
      await page.waitForSelector('#check button');
      for (const set of await page.$$('#check fieldset')) {
        await (await set.$('input')).check();
      }
      await page.click('#check button');
      const next = await page.getAttribute('a[rel=next]', 'href');
      await page.click('a[rel=next]');
      if (next.endsWith('/final')) break;
      check(chapters < 20, 'the course ends');
      if (chapters === 4) {
        // Leave in the middle, on another device, and come back.
        const other = await browser.newContext(phone);
        const second = await other.newPage();
        await second.goto(base + '/sign-in');
        await second.fill('#email', 'reader@example.org');
        await second.fill('#password', 'river mango lantern');
        await second.click('main button[type=submit]');
        await second.goto(base + '/my');
        await second.click('main a.button');
        check(second.url() === page.url(), `continue goes to ${page.url()}, not ${second.url()}`);
        await other.close();
      }
    }
    check(chapters === 9, `nine chapters read, not ${chapters}`);
    check(page.url().endsWith('/courses/inclusive-wash/final'), 'on to the final assessment: ' + page.url());
    await page.goto(base + '/courses/inclusive-wash');
    check((await page.getAttribute('progress', 'value')) === '100', 'the course shows 100%');
    await context.close();
  },

  // Issue 5: save the course, go offline, read and mark a chapter, come back: exactly one
  // progress record reaches the server.
  async 'a learner saves the course, reads offline, and progress is sent once when back online'() {
    const context = await browser.newContext({ ...phone, locale: 'en-US' });
    const page = await context.newPage();
    await register(page, 'offline@example.org');
    await page.goto(base + '/courses/getting-started');
    await page.click('#offline button');
    await page.waitForFunction(() => /\d/.test(document.querySelector('#offline p').textContent), null,
      { timeout: 60000 });
    await page.reload();
    await context.setOffline(true);
    await page.goto(base + '/courses/getting-started/saving-for-offline');
    check((await page.textContent('h1')).length > 0, 'a saved chapter opens offline');
    await page.waitForSelector('#check button');
    for (const set of await page.$$('#check fieldset')) {
      await (await set.$('input')).check();
    }
    await page.click('#check button');
    check(page.url().endsWith('/courses/getting-started/your-certificate'), 'on to the next chapter offline');
    await page.goto(base + '/courses/getting-started');
    await page.waitForFunction(() => /1/.test(document.querySelector('#offline p').textContent));
    await context.setOffline(false);
    await page.evaluate(() => window.dispatchEvent(new Event('online')));
    await page.waitForTimeout(1500);
    await page.reload();
    const states = await page.$$eval('.chapters small', (nodes) => nodes.map((n) => n.textContent));
    check(states.filter((s) => /passed/.test(s)).length === 1, 'one chapter done after coming back: ' + states);
    await context.close();
  },

  // Issue 6: the final assessment with JavaScript off: chapters by their checks, an attempt
  // left half-way and resumed, submitted, and a result page.
  async 'a learner takes the final assessment with JavaScript disabled and resumes it'() {
    const context = await browser.newContext({ ...phone, javaScriptEnabled: false });
    const page = await context.newPage();
    await register(page, 'final@example.org');
    await page.goto(base + '/courses/getting-started');
    await page.click('main a.button');
    for (;;) {
      await page.waitForSelector('#check button');
      for (const set of await page.$$('#check fieldset')) {
        await (await set.$('input')).check();
      }
      await page.click('#check button');
      const next = await page.getAttribute('a[rel=next]', 'href');
      await page.click('a[rel=next]');
      if (next.endsWith('/final')) break;
    }
    await page.click('form[action$="/final/start"] button');
    check(/\/final\/\d+\/q\/1$/.test(page.url()), 'the first question: ' + page.url());
    await (await page.waitForSelector('fieldset input')).check();
    await page.click('main button[type=submit]:not([name=back])');
    // The connection drops here; the learner comes back later.
    await page.goto(base + '/courses/getting-started/final');
    await page.click('main a.button');
    await page.waitForSelector('fieldset input');
    check(await page.isChecked('fieldset input'), 'the saved answer is still chosen');
    for (let n = 0; n < 10 && /\/q\/\d+$/.test(page.url()); n++) {
      await (await page.waitForSelector('fieldset input')).check();
      await page.click('main button[type=submit]:not([name=back])');
    }
    check(page.url().endsWith('/review'), 'the review page: ' + page.url());
    await page.click('main form button');
    check(page.url().endsWith('/result'), 'the result page: ' + page.url());
    check(/%/.test(await page.textContent('main [role=status]')), 'a score is shown');
    await context.close();
  },

  // Issue 5: no accessibility violations on the learner pages (axe-core, WCAG 2.1 AA).
  async 'axe-core finds no violations on the learner pages'() {
    // The page's CSP forbids injected scripts, as it should; the test lets axe in.
    const context = await browser.newContext({ ...phone, bypassCSP: true });
    const page = await context.newPage();
    await register(page, 'axe@example.org');
    const pages = ['/courses', '/courses/inclusive-wash', '/courses/inclusive-wash/accessible-latrines',
      '/courses/inclusive-wash/print', '/my', '/', '/account', '/verify', '/verify/KH-0000-0000-0',
      '/issuers/mrd'];
    const found = [];
    for (const url of pages) {
      for (const lang of ['km', 'en']) {
        await page.goto(`${base}/lang/${lang}?next=${encodeURIComponent(url)}`);
        await page.addScriptTag({ content: axeSource });
        const result = await page.evaluate(() => window.axe.run(document, {
          runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
        }));
        for (const v of result.violations) found.push(`${url} (${lang}): ${v.id} — ${v.nodes.length} node(s)`);
      }
    }
    check(found.length === 0, 'violations:\n' + found.join('\n'));
    await context.close();
  },
};

let passed = 0;
let failed = 0;
for (const [name, run] of Object.entries(scenarios)) {
  const started = Date.now();
  try {
    await run();
    passed += 1;
    console.log(`ok      ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  } catch (error) {
    failed += 1;
    console.log(`FAILED  ${name}\n        ${String(error.stack || error).split('\n').join('\n        ')}`);
  }
}
await browser.close();
console.log(`browser: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
