/**
 * The stage detection lives in workers/analysis/ so that the experiments module (workers/experiments)
 * can use it without importing from app/; the app's imports keep working through this re-export.
 */
export * from '../../workers/analysis/stages.ts';
