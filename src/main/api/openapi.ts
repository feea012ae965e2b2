/**
 * The OpenAPI 3.1 description of the API, generated from the routes (and so from CONTRACT):
 * input schemas from zod (`z.toJSONSchema`), path parameters from `:name` segments, GET inputs
 * as query parameters, other inputs as a JSON body. Results are described as JSON objects.
 */
import { z } from 'zod';
import { CONTRACT } from '../../shared/contract';
import type { ApiRoute } from './api-routes';

type JsonSchema = { type?: unknown; properties?: Record<string, JsonSchema>; required?: string[]; [k: string]: unknown };

const ERROR_RESPONSE = {
  description: 'An error: `{error: {code, message, details?}}`',
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
};

function inputSchema(route: ApiRoute): JsonSchema {
  try {
    const schema = z.toJSONSchema(CONTRACT[route.methodName].input, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
    delete schema.$schema;
    return schema;
  } catch {
    return { type: 'object' }; // a schema JSON Schema cannot express (refinements…): described loosely
  }
}

function operation(route: ApiRoute, extraStreams: boolean) {
  const schema = inputSchema(route);
  const pathParams = route.segments.filter((s) => s.startsWith(':')).map((s) => s.slice(1));
  // The original endpoints name the job `job_id` in the path; the method's input calls it `id`.
  const inputName = (p: string) => (route.original && p === 'job_id' ? 'id' : p);
  const properties = { ...(schema.properties ?? {}) };
  const required = new Set(schema.required ?? []);
  const parameters: unknown[] = pathParams.map((p) => ({
    name: p,
    in: 'path',
    required: true,
    schema: properties[inputName(p)] ?? { type: 'string' },
  }));
  for (const p of pathParams) {
    delete properties[inputName(p)];
    required.delete(inputName(p));
  }
  const op: Record<string, unknown> = {
    operationId: route.original ? `original:${route.method.toLowerCase()}:${route.path}` : route.methodName,
    summary: route.summary,
    tags: [route.original ? 'original' : route.methodName.split(':')[0]],
    'x-contract-method': route.methodName,
    parameters,
    responses: {
      [String(route.successStatus)]: {
        description: 'The result of the method',
        content: { 'application/json': { schema: { type: ['object', 'array'] } } },
      },
      '400': ERROR_RESPONSE,
      '401': ERROR_RESPONSE,
      '403': ERROR_RESPONSE,
      default: ERROR_RESPONSE,
    },
  };
  if (extraStreams && route.methodName === 'health:get') {
    (op.responses as Record<string, unknown>)['503'] = { ...ERROR_RESPONSE, description: 'The health report, when unhealthy' };
  }
  if (route.method === 'GET') {
    for (const [name, prop] of Object.entries(properties)) {
      parameters.push({ name, in: 'query', required: required.has(name), schema: prop, explode: true, style: 'form' });
    }
  } else if (Object.keys(properties).length > 0 || schema.additionalProperties !== false) {
    op.requestBody = {
      required: required.size > 0,
      content: { 'application/json': { schema: { ...schema, properties, required: [...required] } } },
    };
  }
  return op;
}

/** `/api/jobs/:id` → `/api/jobs/{id}` */
function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, '{$1}');
}

export interface ExtraPath {
  path: string;
  method: 'get';
  summary: string;
  contentType: string;
  operationId: string;
  /** The query's schema (its properties become query parameters). */
  input?: z.ZodType;
}

function querySchema(input: z.ZodType | undefined): JsonSchema {
  if (!input) return {};
  try {
    return z.toJSONSchema(input, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  } catch {
    return {};
  }
}

/** The OpenAPI document for `routes` (plus the event streams and any extra download paths). */
export function buildOpenApiDocument(routes: readonly ApiRoute[], version: string, extra: readonly ExtraPath[] = []): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const key = openApiPath(route.path);
    paths[key] ??= {};
    paths[key][route.method.toLowerCase()] = operation(route, true);
  }
  paths['/api/events'] = {
    get: {
      operationId: 'events:websocket',
      summary: 'WebSocket (upgrade): one JSON EventBatch per message, the first one empty ([]) once subscribed',
      tags: ['events'],
      responses: { '101': { description: 'Switching Protocols' }, '401': ERROR_RESPONSE, '403': ERROR_RESPONSE },
    },
  };
  paths['/api/events/stream'] = {
    get: {
      operationId: 'events:sse',
      summary: 'Server-Sent Events: `data: <EventBatch JSON>` per batch, the first one empty ([])',
      tags: ['events'],
      responses: { '200': { description: 'An event stream', content: { 'text/event-stream': {} } }, '401': ERROR_RESPONSE },
    },
  };
  paths['/api/openapi.json'] = {
    get: { operationId: 'openapi', summary: 'This document', tags: ['meta'], responses: { '200': { description: 'OpenAPI 3.1' } } },
  };
  for (const e of extra) {
    paths[openApiPath(e.path)] ??= {};
    const q = querySchema(e.input);
    paths[openApiPath(e.path)]![e.method] = {
      operationId: e.operationId,
      summary: e.summary,
      tags: ['downloads'],
      parameters: Object.entries(q.properties ?? {}).map(([name, schema]) => ({
        name,
        in: 'query',
        required: (q.required ?? []).includes(name),
        schema,
      })),
      responses: { '200': { description: 'A file download', content: { [e.contentType]: {} } }, default: ERROR_RESPONSE },
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'JobHandle API',
      version,
      description: 'Local REST API of JobHandle, derived from its contract. Every /api request needs `Authorization: Bearer <token>` (`jobhandle token`).',
    },
    servers: [{ url: '/' }],
    security: [{ bearerAuth: [] }],
    components: {
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } },
      schemas: {
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              required: ['code', 'message'],
              properties: { code: { type: 'string' }, message: { type: 'string' }, details: {} },
            },
          },
        },
      },
    },
    paths,
  };
}
