import { createServer } from 'node:http'
import { Engine } from 'microgov'

const engine = new Engine() // compile the policies once, reuse for every request
const httpStatus = { allow: 200, review: 202, deny: 403 }

export const server = createServer(async (req, res) => {
  let body = ''
  for await (const chunk of req) body += chunk // the manifest, YAML or JSON
  const [status, payload] = await engine.evaluateAsync(body).then(
    (decision) => [httpStatus[decision.outcome], decision],
    (err) => [err.code === 'manifest.invalid' ? 422 : 500, { code: err.code, problems: err.problems }])
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(payload))
}).listen(process.env.PORT ?? 3000, '127.0.0.1')
