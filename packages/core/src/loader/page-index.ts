import type { Dataset } from '../reader/open-dataset.js';

/** The page of each sample's first payload (-1 without payload), computed once when an order asks. */
export class PageIndex {
  private pages: Int32Array | undefined;

  constructor(private readonly dataset: Dataset) {}

  pageOf(sampleIndex: number): number {
    this.pages ??= this.dataset.samplePages();
    return this.pages[sampleIndex]!;
  }
}
