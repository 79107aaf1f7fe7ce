// oidc-provider (panva) configured as a SMART App Launch 2.x authorization server, for
// Alliance Panel's interoperability tests. Started by tests/support/interop.py:
//
//   node server.js CONFIG.json
//
// CONFIG: {"port": 0, "fhir_base": "http://127.0.0.1:P/fhir", "clients": [oidc client metadata]}
// Prints one line "OIDC READY <issuer>" once it listens (port 0 picks a free port).
//
// What oidc-provider enforces by itself: PKCE (required here for every client, S256 only),
// exact redirect URIs, single-use authorization codes, client authentication (none,
// client_secret_basic, private_key_jwt), refresh token rotation. What this file adds for SMART:
// the `launch` parameter (an EHR launch must name a launch this server handed out), launch
// context in the token response (patient, encounter, need_patient_banner), the fhirUser claim
// in the id_token, /.well-known/smart-configuration, and an interaction that logs the user in
// and grants the requested scopes without a page (the tests are the user).
// Access tokens are opaque and nobody checks them: HAPI runs open on loopback.
import { randomUUID, generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import Provider from 'oidc-provider';

// Each step of the start on stderr with the milliseconds since the process began, so a start
// that does not finish names the step it stopped at.
const stage = (name) => process.stderr.write(`oidc start: ${name} at ${Math.round(performance.now())} ms\n`);
stage('oidc-provider loaded');
const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const launches = new Map(); // launch value -> context handed out by the "EHR"
const grantContexts = new Map(); // grantId -> context, read when tokens are issued
let standaloneContext = config.standalone || {};

const SMART_SCOPE = /^(patient|user|system)\/(\*|[A-Z][A-Za-z]+)\.(\*|read|write|c?r?u?d?s?)$/;
const STATIC_SCOPES = ['openid', 'fhirUser', 'profile', 'offline_access', 'online_access',
  'launch', 'launch/patient', 'launch/encounter'];

// SMART resource scopes are a grammar, but oidc-provider keeps only requested scopes listed in
// its `scopes` configuration. So the list spells out the grammar for the resource types a
// SMART EHR would serve here: v1 (read, write, *) and v2 (every ordered subset of cruds).
const RESOURCE_TYPES = ['*', 'Patient', 'Encounter', 'Appointment', 'Practitioner',
  'PractitionerRole', 'Questionnaire', 'QuestionnaireResponse', 'Observation', 'Provenance'];
const V2 = [];
for (let mask = 1; mask < 32; mask += 1) V2.push([...'cruds'].filter((_, i) => mask & (1 << i)).join(''));
const RESOURCE_SCOPES = ['patient', 'user', 'system'].flatMap((context) => RESOURCE_TYPES
  .flatMap((type) => ['read', 'write', '*', ...V2].map((p) => `${context}/${type}.${p}`)));

function signingKey() {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid: `interop-${randomUUID()}`, use: 'sig', alg: 'RS256' };
}

function accountOf(context) {
  return context.fhirUser || 'Practitioner/unknown';
}

const server = http.createServer();
await new Promise((resolve) => { server.listen(config.port || 0, '127.0.0.1', resolve); });
stage('listening');
const issuer = `http://127.0.0.1:${server.address().port}`;

const jwks = { keys: [signingKey()] };
stage('signing key made');
const provider = new Provider(issuer, {
  clients: config.clients,
  jwks,
  cookies: {
    keys: [randomUUID()],
    // plain http on loopback: cookies without Secure, so a scripted browser keeps them
    long: { secure: false, sameSite: "lax" },
    short: { secure: false, sameSite: "lax" },
  },
  pkce: { required: () => true },
  extraParams: ['launch', 'aud'],
  scopes: [...STATIC_SCOPES, ...RESOURCE_SCOPES],
  claims: { openid: ['sub'], fhirUser: ['fhirUser'], profile: ['fhirUser'] },
  conformIdTokenClaims: false, // scope-requested claims (fhirUser) go into the id_token too
  clientAuthMethods: ['none', 'client_secret_basic', 'private_key_jwt'],
  enabledJWA: {
    clientAuthSigningAlgValues: ['RS256', 'RS384', 'ES256', 'ES384'],
  },
  // oidc-provider refuses to fetch from special-use addresses (SSRF protection); the
  // key-rotation test serves its client's jwks_uri on 127.0.0.1, so loopback is let through.
  fetch: (url, options) => {
    const { dispatcher, ...direct } = options;
    return globalThis.fetch(url, new URL(url).hostname === '127.0.0.1' ? direct : options);
  },
  // client_credentials for SMART backend services (the key-rotation test's client).
  features: { devInteractions: { enabled: false }, clientCredentials: { enabled: true } },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  // Every launch is its own grant, with its own context: only the grant this authorization
  // request's consent just made counts, never one remembered in the session.
  loadExistingGrant: async (ctx) => {
    const grantId = ctx.oidc.result?.consent?.grantId;
    return grantId ? ctx.oidc.provider.Grant.find(grantId) : undefined;
  },
  rotateRefreshToken: () => true,
  issueRefreshToken: async (ctx, client, source) => client.grantTypeAllowed('refresh_token')
    && source.scopes.has('offline_access'),
  ttl: {
    AccessToken: 3600, AuthorizationCode: 60, IdToken: 3600, RefreshToken: 86400,
    Grant: 86400, Interaction: 600, Session: 86400,
  },
  findAccount: async (ctx, sub) => ({
    accountId: sub,
    claims: async () => ({ sub, fhirUser: `${config.fhir_base}/${sub}` }),
  }),
  renderError: async (ctx, out) => {
    ctx.type = 'json';
    ctx.body = out;
  },
});

// OpenID Connect grants offline_access only with prompt=consent; SMART App Launch defines
// offline_access for refresh tokens without that rule, and SMART apps do not send prompt. So an
// authorization request for offline_access without a prompt is treated as prompt=consent (the
// user is asked - here: the scripted interaction grants).
provider.use(async (ctx, next) => {
  if (ctx.path === '/auth' && ctx.method === 'GET' && !ctx.query.prompt
      && String(ctx.query.scope || '').split(' ').includes('offline_access')) {
    ctx.query = { ...ctx.query, prompt: 'consent' };
  }
  await next();
});

// Launch context in the token response (authorization_code and refresh_token grants).
provider.use(async (ctx, next) => {
  await next();
  if (ctx.path === '/token' && ctx.status === 200 && ctx.body && ctx.body.access_token) {
    const token = await provider.AccessToken.find(ctx.body.access_token);
    const context = token && grantContexts.get(token.grantId);
    if (context) {
      for (const name of ['patient', 'encounter', 'need_patient_banner', 'smart_style_url']) {
        if (context[name] !== undefined) ctx.body[name] = context[name];
      }
    }
  }
});

function smartConfiguration() {
  return {
    issuer,
    jwks_uri: `${issuer}/jwks`,
    authorization_endpoint: `${issuer}/auth`,
    token_endpoint: `${issuer}/token`,
    userinfo_endpoint: `${issuer}/me`,
    grant_types_supported: ['authorization_code', 'refresh_token'],
    token_endpoint_auth_methods_supported: ['none', 'client_secret_basic', 'private_key_jwt'],
    token_endpoint_auth_signing_alg_values_supported: ['RS384', 'ES384'],
    code_challenge_methods_supported: ['S256'],
    response_types_supported: ['code'],
    scopes_supported: [...STATIC_SCOPES, 'patient/*.rs', 'user/*.rs', 'patient/*.read'],
    capabilities: [
      'launch-ehr', 'launch-standalone', 'client-public', 'client-confidential-symmetric',
      'client-confidential-asymmetric', 'context-ehr-patient', 'context-ehr-encounter',
      'context-standalone-patient', 'context-banner', 'permission-offline', 'permission-patient',
      'permission-user', 'permission-v2', 'sso-openid-connect',
    ],
  };
}

async function readJson(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {};
}

function sendJson(res, status, body) {
  res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
  res.end(JSON.stringify(body));
}

// The user's side: log in as the launch's user, grant every requested scope, remember the
// launch context for the grant. An EHR launch with a launch value this server did not hand
// out is refused.
async function interact(req, res) {
  const details = await provider.interactionDetails(req, res);
  const { prompt, params } = details;
  if (process.env.OIDC_DEBUG) console.log('interaction', prompt.name, JSON.stringify(prompt.reasons), details.session?.accountId);
  let context;
  if (params.launch !== undefined) {
    context = launches.get(params.launch);
    if (!context) {
      await provider.interactionFinished(req, res, {
        error: 'invalid_request', error_description: 'unknown launch parameter',
      }, { mergeWithLastSubmission: false });
      return;
    }
  } else {
    context = standaloneContext;
  }
  if (prompt.name === 'login') {
    await provider.interactionFinished(req, res, { login: { accountId: accountOf(context) } },
      { mergeWithLastSubmission: false });
    return;
  }
  const grant = new provider.Grant({ accountId: details.session.accountId, clientId: params.client_id });
  const requested = String(params.scope || '').split(' ').filter(Boolean);
  grant.addOIDCScope(requested.filter((s) => STATIC_SCOPES.includes(s) || SMART_SCOPE.test(s)).join(' '));
  grant.addOIDCClaims(['fhirUser']);
  const grantId = await grant.save();
  const scopes = new Set(requested);
  const granted = {};
  if (scopes.has('launch') || scopes.has('launch/patient')) granted.patient = context.patient;
  if (scopes.has('launch') || scopes.has('launch/encounter')) granted.encounter = context.encounter;
  if (context.need_patient_banner !== undefined) granted.need_patient_banner = context.need_patient_banner;
  grantContexts.set(grantId, granted);
  await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
}

const callback = provider.callback();
server.on('request', async (req, res) => {
  const url = new URL(req.url, issuer);
  try {
    if (req.method === 'GET' && url.pathname === '/.well-known/smart-configuration') {
      sendJson(res, 200, smartConfiguration());
    } else if (req.method === 'POST' && url.pathname === '/ehr/launch') {
      // What the EHR does before it opens the app: remember the context under a launch value.
      const launch = randomUUID();
      launches.set(launch, await readJson(req));
      sendJson(res, 201, { launch });
    } else if (req.method === 'PUT' && url.pathname === '/ehr/standalone') {
      standaloneContext = await readJson(req); // whom a standalone launch's user picks
      sendJson(res, 200, standaloneContext);
    } else if (req.method === 'GET' && url.pathname.startsWith('/interaction/')) {
      await interact(req, res);
    } else {
      callback(req, res);
    }
  } catch (err) {
    console.error(err);
    if (!res.headersSent) sendJson(res, 500, { error: 'server_error', error_description: String(err.message) });
  }
});

provider.on('server_error', (ctx, err) => console.error('server_error', err));
console.log(`OIDC READY ${issuer}`);
