/** An embedding space as recorded: enough to open its index and make its embedder again. */
export interface SpaceRecord {
  /** `<model>@<dimensions>`: what documents' `embedding_space` holds. */
  readonly id: string;
  /** The SEARCH_EMBEDDING_MODEL it is embedded with. */
  readonly model: string;
  readonly dimensions: number;
}

/** Which space answers, which one is being built to replace it, and which ones are given up. */
export interface SpacePlan {
  readonly serving: SpaceRecord;
  readonly building: SpaceRecord | null;
  /** Spaces whose indexes are no longer wanted (a re-index given up for yet another model). */
  readonly abandoned: readonly SpaceRecord[];
}

export interface RecordedSpaces {
  readonly serving: SpaceRecord | null;
  readonly building: SpaceRecord | null;
  /**
   * Where most indexed documents are, for a deployment that recorded no space yet (one that ran before
   * spaces were recorded): that index is the one serving.
   */
  readonly mostUsed: string | null;
}

/**
 * What to serve and build when the process starts with `configured` as its embedding space: the
 * configured one serves at once when nothing else is indexed; otherwise the recorded one keeps serving
 * while the configured one is built, and a build for some other space is given up.
 */
export function planSpaces(configured: SpaceRecord, recorded: RecordedSpaces): SpacePlan {
  const serving = recorded.serving ?? inferredServing(configured, recorded.mostUsed);
  const building = recorded.building;
  if (serving.id === configured.id) {
    return { serving, building: null, abandoned: building ? [building] : [] };
  }
  if (building?.id === configured.id) return { serving, building, abandoned: [] };
  return { serving, building: configured, abandoned: building ? [building] : [] };
}

function inferredServing(configured: SpaceRecord, mostUsed: string | null): SpaceRecord {
  if (mostUsed === null || mostUsed === configured.id) return configured;
  return parseSpaceId(mostUsed) ?? configured;
}

/** `openai/text-embedding-3-small@512` → its model and size; null for an id of another form. */
export function parseSpaceId(id: string): SpaceRecord | null {
  const at = id.lastIndexOf('@');
  const dimensions = Number(id.slice(at + 1));
  if (at <= 0 || !Number.isInteger(dimensions) || dimensions <= 0) return null;
  return { id, model: id.slice(0, at), dimensions };
}
