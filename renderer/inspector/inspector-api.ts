/**
 * The two API calls the inspector makes: `catalog.preview` (live expression and AI-step previews)
 * and `credentials.set` (creating a credential inline). Through a context so component tests and
 * harness pages can hand in their own; by default the app's one API (`renderer/api.ts`).
 */
import { createContext, useContext } from 'react';
import type { FlowkeeperApi } from '../../engine/model/contract.ts';
import { getApi } from '../api.ts';

export interface InspectorApi {
  catalog: Pick<FlowkeeperApi['catalog'], 'preview'>;
  credentials: Pick<FlowkeeperApi['credentials'], 'set'>;
}

export const InspectorApiContext = createContext<InspectorApi | null>(null);

export function useInspectorApi(): InspectorApi {
  return useContext(InspectorApiContext) ?? getApi();
}

type PreviewArgs = NonNullable<Parameters<InspectorApi['catalog']['preview']>[0]>;
export type PreviewItem = NonNullable<PreviewArgs['item']>;
export type PreviewConfig = PreviewArgs['config'];

/** The sample item as the preview call takes it (an object; anything else previews on `{}`). */
export function asPreviewItem(sample: unknown): PreviewItem {
  return sample !== null && typeof sample === 'object' && !Array.isArray(sample) ? (sample as PreviewItem) : {};
}
