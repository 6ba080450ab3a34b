import {
  natsPasswordVariable,
  SERVICES,
  streamCancelSubject,
  streamEventsSubject,
  channelSubject,
  type ChannelDef,
  type Contract,
  type DurableConsumer,
  type EventDef,
  type RequestDef,
  type ServiceDef,
  type ServicePart,
  type StreamDef,
} from '@conduit/contracts';

const HEADER = `# Conduit NATS users: one per service, each limited to its own subjects (README.md explains the model).
# Included by ./nats.conf, and by the official Helm chart's config in production (./helm-values.yaml).
#
# GENERATED from the service declarations in libs/contracts/src/services.ts by \`npm run nats:auth\`;
# do not edit by hand (a unit test fails when this file and the contracts disagree).
#
# Passwords are never in this file: every \`$NATS_<SERVICE>_PASSWORD\` is read from the server's
# environment at start-up, and the server refuses to start when one is missing.
#
# Subjects assume an empty NATS_SUBJECT_PREFIX (one deployment per NATS account). A deployment that
# shares a bus through a prefix needs the prefix added to every subject below (README.md).
#
# A service connecting as user <u> gets its replies on inboxes under _INBOX_<u>.> (the bus sets
# nats.js \`inboxPrefix\` from NATS_USER), so no service can read another's replies; JetStream publish
# acknowledgements and API answers arrive there too. Answering a request needs no publish permission
# on anyone's inbox: \`allow_responses\` lets a service publish once to the reply subject of each
# request it received, and nothing else.
`;

// Durable JetStream consumers are not declared yet; until they are, add their rights by hand in the
// service's declaration and here. Kept as a pattern for the KEDA example.
const CONSUMER_PATTERN = `# Pattern for a JetStream consumer (the KEDA ScaledObject example in k8s/examples/jetstream-consumer
# scales on this consumer's lag). A service \`search\` that indexes chat.message.created through the
# durable pull consumer \`search\` needs, besides its own subjects:
#
#       "$JS.API.INFO"
#       "$JS.API.CONSUMER.INFO.CHAT_EVENTS.search"
#       "$JS.API.CONSUMER.CREATE.CHAT_EVENTS.search.>"   # nats-server >= 2.9 (filtered create)
#       "$JS.API.CONSUMER.DURABLE.CREATE.CHAT_EVENTS.search"
#       "$JS.API.CONSUMER.MSG.NEXT.CHAT_EVENTS.search"
#       "$JS.ACK.CHAT_EVENTS.search.>"
`;

// A definition has a string `kind`; a contract is a record of definitions.
const isDefinition = (part: ServicePart): part is RequestDef | StreamDef | ChannelDef =>
  typeof part.kind === 'string';
const definitions = (parts: readonly ServicePart[]) =>
  parts.flatMap<RequestDef | EventDef | StreamDef | ChannelDef>((part) =>
    isDefinition(part) ? [part] : Object.values(part as Contract),
  );
const requestsOf = (parts: readonly ServicePart[]) =>
  definitions(parts).filter((def): def is RequestDef => def.kind === 'request');
const streamsOf = (parts: readonly ServicePart[]) =>
  definitions(parts).filter((def): def is StreamDef => def.kind === 'stream');
const channelsOf = (parts: readonly ServicePart[]) =>
  definitions(parts).filter((def): def is ChannelDef => def.kind === 'channel');

/** JetStream API a service needs to create and update a stream it owns. */
const owningStream = (stream: string) => [
  `$JS.API.STREAM.INFO.${stream}`,
  `$JS.API.STREAM.CREATE.${stream}`,
  `$JS.API.STREAM.UPDATE.${stream}`,
];

/** JetStream API for reading a durable event through one named pull consumer, and acknowledging it. */
const consuming = ({ event, durable }: DurableConsumer) => {
  const stream = event.durable?.stream;
  if (!stream) throw new Error(`${event.subject} is not durable: there is no JetStream stream to consume`);
  return [
    `$JS.API.CONSUMER.INFO.${stream}.${durable}`,
    `$JS.API.CONSUMER.CREATE.${stream}.${durable}.>`,
    `$JS.API.CONSUMER.DURABLE.CREATE.${stream}.${durable}`,
    `$JS.API.CONSUMER.MSG.NEXT.${stream}.${durable}`,
    `$JS.ACK.${stream}.${durable}.>`,
  ];
};

/** JetStream API a caller needs to read a kept stream (resume), and nothing else. */
const readingStream = (stream: string) => [
  `$JS.API.STREAM.INFO.${stream}`,
  `$JS.API.STREAM.MSG.GET.${stream}`,
  `$JS.API.CONSUMER.CREATE.${stream}`,
  `$JS.API.CONSUMER.CREATE.${stream}.>`,
  `$JS.API.CONSUMER.INFO.${stream}.>`,
  `$JS.API.CONSUMER.DELETE.${stream}.>`,
  `$JS.API.CONSUMER.MSG.NEXT.${stream}.>`,
];

/**
 * JetStream API and subjects for reading, writing and deleting objects in one Object Store bucket (the
 * stream `OBJ_<bucket>`; reads pull an object's chunks through an ordered pull consumer, a few at a
 * time, delivered to the service's own inbox).
 */
const usingObjectStore = (bucket: string) => {
  const stream = `OBJ_${bucket}`;
  return [
    ...owningStream(stream),
    // Reading looks the stream up by subject (names only, no contents).
    '$JS.API.STREAM.NAMES',
    `$JS.API.STREAM.MSG.GET.${stream}`,
    `$JS.API.DIRECT.GET.${stream}`,
    `$JS.API.DIRECT.GET.${stream}.>`,
    `$JS.API.STREAM.PURGE.${stream}`,
    `$JS.API.CONSUMER.CREATE.${stream}`,
    `$JS.API.CONSUMER.CREATE.${stream}.>`,
    `$JS.API.CONSUMER.INFO.${stream}.>`,
    `$JS.API.CONSUMER.DELETE.${stream}.>`,
    `$JS.API.CONSUMER.MSG.NEXT.${stream}.>`,
    `$O.${bucket}.>`,
  ];
};

interface Permissions {
  publish: string[];
  subscribe: string[];
  allowResponses: boolean;
}

/** The rights of one service's NATS user, from what its declaration says it does. */
export function permissionsOf(service: ServiceDef): Permissions {
  const handledStreams = streamsOf(service.handles);
  // Whoever writes to or reads from a JetStream stream makes sure it exists, so start-up order is free.
  const ownedJetStreams = [
    ...service.publishes.flatMap((def) => (def.durable ? [def.durable.stream] : [])),
    ...service.consumes.flatMap(({ event }) => (event.durable ? [event.durable.stream] : [])),
    ...handledStreams.flatMap((def) => (def.retention ? [def.retention.stream] : [])),
  ];
  const calledStreams = streamsOf(service.calls);
  const handledChannels = channelsOf(service.handles);
  const calledChannels = channelsOf(service.calls);
  const publish = [
    ...requestsOf(service.calls).map((def) => def.subject),
    ...calledStreams.map((def) => streamCancelSubject(def, '*')),
    ...calledStreams.flatMap((def) => (def.retention ? readingStream(def.retention.stream) : [])),
    ...handledStreams.map((def) => streamEventsSubject(def, '*')),
    ...service.publishes.map((def) => def.subject),
    ...handledChannels.map((def) => channelSubject(def, '*', 'out')),
    ...calledChannels.map((def) => channelSubject(def, '*', 'in')),
    ...(ownedJetStreams.length > 0 || service.objectStores.length > 0 ? ['$JS.API.INFO'] : []),
    ...[...new Set(ownedJetStreams)].flatMap(owningStream),
    ...service.consumes.flatMap(consuming),
    ...service.objectStores.flatMap(usingObjectStore),
  ];
  const subscribe = [
    // Requests in the service's queue group, so its replicas share them.
    ...requestsOf(service.handles).map((def) => `${def.subject} ${service.name}`),
    ...service.listens.map((def) => def.subject),
    // Cancels reach whichever replica produces the stream; it answers for its own streams only.
    ...handledStreams.map((def) => `${streamCancelSubject(def, '*')} cancel`),
    ...calledStreams.map((def) => streamEventsSubject(def, '*')),
    // A channel's input is heard only by the replica that accepted it (no queue group: one subscriber).
    ...handledChannels.map((def) => channelSubject(def, '*', 'in')),
    ...calledChannels.map((def) => channelSubject(def, '*', 'out')),
    `_INBOX_${service.name}.>`,
  ];
  return {
    publish: [...new Set(publish)],
    subscribe: [...new Set(subscribe)],
    allowResponses: requestsOf(service.handles).length > 0,
  };
}

const variableOf = (service: ServiceDef) => `${service.name.toUpperCase().replace(/-/g, '_')}_PERMISSIONS`;
const passwordOf = (service: ServiceDef) => `$${natsPasswordVariable(service.name)}`;

function list(name: string, subjects: string[]): string[] {
  return [`  ${name}: {`, '    allow: [', ...subjects.map((s) => `      "${s}"`), '    ]', '  }'];
}

/** deploy/nats/auth.conf for the given services. */
export function renderAuthConf(services: readonly ServiceDef[]): string {
  const blocks = services.map((service) => {
    const permissions = permissionsOf(service);
    return [
      `${variableOf(service)}: {`,
      ...(permissions.publish.length > 0 ? list('publish', permissions.publish) : []),
      ...list('subscribe', permissions.subscribe),
      ...(permissions.allowResponses ? ['  allow_responses: true'] : []),
      '}',
    ].join('\n');
  });
  const users = services.map(
    (service) =>
      `      { user: ${service.name}, password: ${passwordOf(service)}, permissions: $${variableOf(service)} }`,
  );
  return [
    HEADER,
    blocks.join('\n\n'),
    '',
    CONSUMER_PATTERN,
    'accounts {',
    '  CONDUIT: {',
    '    jetstream: enabled',
    '    users: [',
    ...users,
    '    ]',
    '  }',
    '}',
    '',
  ].join('\n');
}

/** deploy/nats/auth.conf for the services declared in libs/contracts (SERVICES). */
export function renderDeclaredAuthConf(): string {
  return renderAuthConf(SERVICES);
}
