import { Module } from '@nestjs/common';
import { SearchCollectionsController } from './search-collections.controller';
import { SearchDocumentsController } from './search-documents.controller';
import { SearchFilesController } from './search-files.controller';
import { SearchQueryController } from './search-query.controller';
import { SearchTransfer } from './search-transfer';

/** Documents, files, collections and queries, relayed to the search service. */
@Module({
  controllers: [
    SearchDocumentsController,
    SearchFilesController,
    SearchCollectionsController,
    SearchQueryController,
  ],
  providers: [SearchTransfer],
})
export class SearchModule {}
