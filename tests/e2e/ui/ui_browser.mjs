// The browser half of the UI tests (run by run_ui.py): Debian's chromium through
// playwright-core. Asserts on the state the UI writes into data-* attributes,
// never on pixels, and saves screenshots for people to look at.
//   node ui_browser.mjs BASE_URL EXPECT_JSON OUT_DIR
// EXPECT: {job, bottleneck (a substring of the bottleneck vertex's name),
//          sample_vertex (a substring of a vertex that emits rows), name,
//          big_job, big_nodes, big_parallelism (fixture only)}
import {chromium} from 'playwright-core';
import assert from 'node:assert/strict';
import path from 'node:path';

const [base, expectJson, outDir] = process.argv.slice(2);
const expect = JSON.parse(expectJson);
const shot = (name) => path.join(outDir, `ui-${expect.name}-${name}.png`);

const browser = await chromium.launch({
  executablePath: process.env.EDDY_CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-dev-shm-usage'],
  timeout: 60000,
});
const consoleErrors = [];
let failures = 0;

async function step(name, fn) {
  const t0 = Date.now();
  try {
    await fn();
    console.log(`ok   ${name} (${Date.now() - t0} ms)`);
  } catch (e) {
    failures++;
    console.log(`FAIL ${name}: ${e.message.split('\n').slice(0, 6).join('\n     ')}`);
  }
}

const page = await browser.newPage({viewport: {width: 1440, height: 900}});
page.setDefaultTimeout(30000);
page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text() + ' @ ' + JSON.stringify(m.location())); });
page.on('pageerror', (e) => consoleErrors.push('uncaught: ' + e.message));
page.on('requestfailed', (r) => {
  // A refresh cut short by navigating away is not an error of the page.
  if (!/ERR_ABORTED/.test(r.failure()?.errorText || '')) consoleErrors.push('request failed: ' + r.url());
});

async function open(hash) {
  await page.goto(base + '/' + hash);
  await page.waitForSelector('body[data-ready="1"]');
  await page.waitForFunction((h) => document.querySelector('main').dataset.loaded === h, hash);
}

await step('the jobs list shows the job', async () => {
  await open('#/jobs/overview');
  const row = page.locator(`[data-testid="job-row"][data-jid="${expect.job}"]`);
  await row.waitFor();
  assert.equal(await row.getAttribute('data-state'), 'RUNNING');
});

await step('the cluster overview shows counters and the running job', async () => {
  await open('#/overview');
  await page.locator(`[data-testid="running-jobs"] [data-jid="${expect.job}"]`).waitFor();
  const tms = await page.locator('[data-testid="card-taskmanagers"] .card-value').textContent();
  assert.ok(+tms >= 1, `task managers card says ${tms}`);
});

let bottleneckVid = null;
await step('(a) the job graph renders with the bottleneck badge on the slow operator', async () => {
  await open('#/jobs/' + expect.job);
  await page.locator('[data-testid="job-graph"]').waitFor();
  const nodes = await page.locator('[data-testid^="node-"]').count();
  assert.ok(nodes >= 2, `only ${nodes} nodes drawn`);
  // The diagnosis is remade every metrics interval and may skip one while
  // queues swing: read who carries the badge in one go, in a refresh that has one.
  const seen = await page.waitForFunction(() => {
    const marked = [...document.querySelectorAll('[data-testid^="node-"][data-bottleneck="1"]')];
    if (!marked.length) return null;
    const head = document.querySelector('[data-testid="job-bottleneck"]');
    return {count: marked.length, name: marked[0].dataset.name, vid: marked[0].dataset.vid,
            badge: marked[0].querySelectorAll('[data-testid="badge-bottleneck"]').length,
            head: head ? head.dataset.vertex : null};
  }, null, {timeout: 45000});
  const b = await seen.jsonValue();
  assert.equal(b.count, 1, 'exactly one vertex is the bottleneck');
  const name = b.name;
  assert.ok(name.includes(expect.bottleneck), `the bottleneck badge is on '${name}', not on the vertex of '${expect.bottleneck}'`);
  assert.equal(b.badge, 1, 'the badge is drawn');
  bottleneckVid = b.vid;
  assert.equal(b.head, bottleneckVid, "the job's head names the same vertex");
  // Colours follow busy: the bottleneck is busier than anything else.
  const busy = await page.$$eval('[data-testid^="node-"]', (els) => els.map((e) => [e.dataset.name, +e.dataset.busy]));
  const top = busy.reduce((a, b) => (b[1] > a[1] ? b : a));
  assert.ok(top[0] === name || top[1] - +busy.find((b) => b[0] === name)[1] < 0.15,
            `busiest is ${top[0]} (${top[1]}), bottleneck ${name}`);
  const edges = await page.$$eval('[data-testid^="edge-"]', (els) => els.map((e) => e.dataset.shipStrategy));
  assert.ok(edges.length >= 1 && edges.every((s) => /^(FORWARD|REBALANCE|HASH|BROADCAST)$/.test(s)), 'edges: ' + edges);
  await page.screenshot({path: shot('job-graph'), fullPage: true});
});

await step('the bottleneck vertex opens with subtasks and charts', async () => {
  await page.locator(`[data-testid^="node-"][data-vid="${bottleneckVid}"]`).click();
  await page.locator('[data-testid="vertex-panel"]').waitFor();
  await page.locator('[data-testid="subtask-row"]').first().waitFor();
  await page.locator('[data-testid="vtab-charts"]').click();
  await page.locator('[data-testid="chart-busyTimeMsPerSecond"] path.series').first().waitFor();
  await page.locator('[data-testid="vtab-watermarks"]').click();
  await page.locator('[data-testid="watermarks-table"]').waitFor();
  await page.locator('[data-testid="vtab-stacks"]').click();
  await page.locator('[data-testid="stacks"] .stack-group').first().waitFor();
  await page.screenshot({path: shot('vertex-stacks'), fullPage: true});
});

await step('(b) a vertex\'s sample view shows rows', async () => {
  const node = page.locator(`[data-testid^="node-"][data-name*=${JSON.stringify(expect.sample_vertex)}]`);
  await node.first().click();
  await page.locator('[data-testid="vtab-sample"]').click();
  await page.waitForFunction(() => {
    const t = document.querySelector('[data-testid="sample-table"]');
    return t && +t.dataset.rows > 0;
  });
  const rows = await page.locator('[data-testid="sample-row"]').count();
  assert.ok(rows > 0);
  const cells = await page.locator('[data-testid="sample-row"]').first().locator('td').count();
  assert.ok(cells > 3, `a sampled row has ${cells} cells: op, subtask, time and values`);
  await page.screenshot({path: shot('sample'), fullPage: true});
});

await step('(c) the checkpoints view lists completed checkpoints', async () => {
  await open(`#/jobs/${expect.job}/checkpoints`);
  await page.locator('[data-testid="checkpoint-row"][data-status="COMPLETED"]').first().waitFor();
  const completed = +(await page.locator('[data-testid="checkpoint-counts"]').getAttribute('data-completed'));
  assert.ok(completed >= 1, `counts say ${completed} completed`);
  await page.screenshot({path: shot('checkpoints'), fullPage: true});
});

await step('exceptions, events and task managers render', async () => {
  await open(`#/jobs/${expect.job}/exceptions`);
  await page.locator('[data-testid="exceptions"], [data-testid="exceptions-empty"]').first().waitFor();
  await open(`#/jobs/${expect.job}/events`);
  await page.locator('[data-testid="events-table"]').waitFor();
  await open('#/taskmanagers');
  await page.locator('[data-testid="tm-row"]').first().waitFor();
});

if (expect.big_job) {
  await step(`a job of ${expect.big_nodes} vertices at parallelism ${expect.big_parallelism} stays small`, async () => {
    await open('#/jobs/' + expect.big_job);
    assert.equal(await page.locator('[data-testid^="node-"]').count(), expect.big_nodes);
    await page.locator('[data-testid^="node-"][data-bottleneck="1"]').first().waitFor();
    await page.screenshot({path: shot('big-graph')});
    await page.locator('[data-testid^="node-"][data-bottleneck="1"]').click();
    await page.locator('[data-testid="vtab-charts"]').click();
    await page.locator('[data-testid="chart-busyTimeMsPerSecond"]').waitFor();
    const lines = +(await page.locator('[data-testid="chart-busyTimeMsPerSecond"]').getAttribute('data-lines'));
    assert.ok(lines >= 1 && lines <= 16, `${lines} lines in a chart`);
    const elements = await page.evaluate(() => document.getElementsByTagName('*').length);
    assert.ok(elements < 8000, `${elements} DOM elements`);
    await page.screenshot({path: shot('big-charts'), fullPage: true});
  });
}

await step('(d) no console errors', async () => {
  assert.deepEqual(consoleErrors, []);
});

await browser.close();
console.log(failures ? `${failures} failed` : 'all passed', '; screenshots in', outDir);
process.exit(failures ? 1 : 0);
