import { Body, Controller, Delete, Get, Param, Post, Put, Query } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import { Bus } from '@conduit/bus';
import {
  AcceptedDocumentSchema,
  DocumentInputSchema,
  DocumentPageSchema,
  DocumentSchema,
  ListDocumentsQuerySchema,
  SearchContract,
  type DocumentInput,
  type ListDocumentsQuery,
} from '@conduit/contracts';
import { ApiRoute } from '../http/api-route.decorator';
import { bodyLimitFrom } from '../http/route-body-limit';
import type { AuthenticatedCaller } from '../identity/caller-context';
import { Caller } from '../identity/caller.decorator';
import {
  DocumentIdParamSchema,
  DocumentSubmissionResponseSchema,
  DocumentSubmissionSchema,
  type DocumentSubmission,
} from './search-documents.schema';
import { SearchTransfer } from './search-transfer';

const TAG = 'search';
/** Storing up to 1,000 documents and queueing each one durably takes longer than a lookup. */
const INGEST_TIMEOUT_MS = 60_000;

/** Documents to search: accepted at once (202), indexed in the background; `status` says where each is. */
@Controller('api/v1/search/documents')
export class SearchDocumentsController {
  constructor(
    private readonly bus: Bus,
    private readonly transfer: SearchTransfer,
  ) {}

  @Post()
  @RouteConfig(bodyLimitFrom('SEARCH_DOCUMENTS_BODY_LIMIT_BYTES'))
  @ApiRoute({
    summary:
      'Add one document ({title?, text, source?, tags?, date?, collection?} → {id, status}) or a batch ({documents: [...]}, up to 1,000 → {ids}, in order); each is durably queued before the answer and indexed in the background',
    tag: TAG,
    body: DocumentSubmissionSchema,
    response: DocumentSubmissionResponseSchema,
    successStatus: 202,
  })
  async submit(@Body() body: DocumentSubmission, @Caller() caller: AuthenticatedCaller) {
    const documents = 'documents' in body ? body.documents : [body];
    const batch = await this.transfer.inlineOrUpload({ documents });
    const accepted = await this.bus
      .request(SearchContract.submitDocuments, { batch }, caller, { timeoutMs: INGEST_TIMEOUT_MS })
      .finally(() => this.transfer.discard(batch));
    return 'documents' in body ? { ids: accepted.documents.map((d) => d.id) } : accepted.documents[0];
  }

  @Get()
  @ApiRoute({
    summary: 'Your documents, newest first, one page at a time (filter by collection or status)',
    tag: TAG,
    query: ListDocumentsQuerySchema,
    response: DocumentPageSchema,
  })
  list(@Query() query: ListDocumentsQuery, @Caller() caller: AuthenticatedCaller) {
    return this.bus.request(SearchContract.listDocuments, query, caller);
  }

  @Get(':id')
  @ApiRoute({
    summary:
      'One document: its metadata and where its indexing stands (pending, indexed, failed with a reason)',
    tag: TAG,
    params: DocumentIdParamSchema,
    response: DocumentSchema,
  })
  get(@Param() params: { id: string }, @Caller() caller: AuthenticatedCaller) {
    return this.bus.request(SearchContract.getDocument, params, caller);
  }

  @Put(':id')
  @RouteConfig(bodyLimitFrom('SEARCH_DOCUMENTS_BODY_LIMIT_BYTES'))
  @ApiRoute({
    summary: 'Replace a document (same id): indexed again, none of its old chunks left',
    tag: TAG,
    params: DocumentIdParamSchema,
    body: DocumentInputSchema,
    response: AcceptedDocumentSchema,
    successStatus: 202,
  })
  async replace(
    @Param() params: { id: string },
    @Body() body: DocumentInput,
    @Caller() caller: AuthenticatedCaller,
  ) {
    const document = await this.transfer.inlineOrUpload(body);
    return this.bus
      .request(SearchContract.replaceDocument, { id: params.id, document }, caller, {
        timeoutMs: INGEST_TIMEOUT_MS,
      })
      .finally(() => this.transfer.discard(document));
  }

  @Delete(':id')
  @ApiRoute({
    summary: 'Delete a document and every chunk of it',
    tag: TAG,
    params: DocumentIdParamSchema,
    successStatus: 204,
    produces: 'none',
  })
  async delete(@Param() params: { id: string }, @Caller() caller: AuthenticatedCaller): Promise<void> {
    await this.bus.request(SearchContract.deleteDocument, params, caller);
  }
}
