import { serve, launch, newPage, ROOT } from './harness.mjs';
const srv = await serve(ROOT);
const b = await launch(process.argv[2]);
const { page } = await newPage(b);
page.on('worker', w => w.on('console', m => console.log('W', m.type(), m.text().slice(0, 800))));
await page.goto(srv.url + '/examples/embed.html');
await page.waitForTimeout(8000);
await b.close(); await srv.close();
