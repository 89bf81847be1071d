// Writes infra/kibana/bf-dashboard.ndjson: two data views, four Lens visualizations and the bf dashboard.
// Run: node infra/kibana/generate.ts. The NDJSON is committed (bf imports it); this script is how it is made,
// so edits go here and the file is regenerated.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
//
// Migration versions: each object carries the version Kibana 9.2 reaches for its type, so importing it runs no
// migration (an older version would be migrated up; a newer one is refused as "belongs to a more recent version
// of Kibana"). Kibana's DocumentUpgradePipeline compares typeMigrationVersion with the greatest of the type's
// legacy migrations, its multi-namespace conversion version and its model versions (as virtual `10.<n>.0`);
// coreMigrationVersion with the last core transform (8.8.0). Read from Kibana's source:
//   index-pattern  migrations up to 7.11.0, convertToMultiNamespaceTypeVersion 8.0.0, no model versions -> 8.0.0
//   lens           model version 1 (the `version` mapping, elastic/kibana#229534, 9.2)                -> 10.1.0
//   dashboard      model versions 1-3 (3 = collapsible `sections`, 9.1; 4 = accessControl is 9.3)  -> 10.3.0
// The shapes written below are valid at those versions (the 8.9-era Lens/dashboard attributes are what
// model versions 1-3 accept: their changes only add mappings).
export const CORE_MIGRATION_VERSION = '8.8.0';
export const TYPE_MIGRATION_VERSIONS = {
  'index-pattern': '8.0.0',
  lens: '10.1.0',
  dashboard: '10.3.0',
} as const;

const CORE = CORE_MIGRATION_VERSION;
const dataView = (id: string, title: string) => ({
  attributes: {
    allowHidden: false,
    fieldAttrs: '{}',
    fieldFormatMap: '{}',
    fields: '[]',
    name: title,
    runtimeFieldMap: '{}',
    sourceFilters: '[]',
    timeFieldName: 'date',
    title,
    typeMeta: '{}',
  },
  coreMigrationVersion: CORE,
  id,
  managed: false,
  references: [],
  type: 'index-pattern',
  typeMigrationVersion: TYPE_MIGRATION_VERSIONS['index-pattern'],
});

const dateCol = {
  dataType: 'date',
  isBucketed: true,
  label: 'date',
  operationType: 'date_histogram',
  params: { interval: '1d', includeEmptyRows: false, dropPartials: false },
  scale: 'interval',
  sourceField: 'date',
};
const maxCol = (field: string, label: string) => ({
  customLabel: true,
  dataType: 'number',
  isBucketed: false,
  label,
  operationType: 'max',
  params: { emptyAsNull: true },
  scale: 'ratio',
  sourceField: field,
});
const staticCol = (value: string, label: string) => ({
  customLabel: true,
  dataType: 'number',
  isBucketed: false,
  isStaticValue: true,
  label,
  operationType: 'static_value',
  params: { value },
  references: [],
  scale: 'ratio',
});

interface Line {
  id: string;
  label: string;
  value: string;
  color: string;
}

/** One Lens XY chart of bf-breadth fields by day, with optional reference lines and signal annotations. */
function lens(opts: {
  id: string;
  title: string;
  description: string;
  series: { field: string; label: string; color: string }[];
  seriesType: 'line' | 'bar';
  lines?: Line[];
  annotateSignals?: boolean;
}) {
  const data = 'data';
  const cols: Record<string, unknown> = { 'col-date': dateCol };
  for (const s of opts.series) cols[`col-${s.field}`] = maxCol(s.field, s.label);
  const layers: Record<string, unknown> = {
    [data]: { columnOrder: Object.keys(cols), columns: cols, incompleteColumns: {}, sampling: 1 },
  };
  const visLayers: unknown[] = [
    {
      accessors: opts.series.map((s) => `col-${s.field}`),
      layerId: data,
      layerType: 'data',
      seriesType: opts.seriesType,
      xAccessor: 'col-date',
      yConfig: opts.series.map((s) => ({ axisMode: 'left', color: s.color, forAccessor: `col-${s.field}` })),
    },
  ];
  const references = [
    { id: 'bf-breadth', name: `indexpattern-datasource-layer-${data}`, type: 'index-pattern' },
  ];
  if (opts.lines?.length) {
    const refCols = Object.fromEntries(opts.lines.map((l) => [l.id, staticCol(l.value, l.label)]));
    layers.ref = {
      columnOrder: Object.keys(refCols),
      columns: refCols,
      ignoreGlobalFilters: false,
      incompleteColumns: {},
      linkToLayers: [],
      sampling: 1,
    };
    visLayers.push({
      accessors: opts.lines.map((l) => l.id),
      layerId: 'ref',
      layerType: 'referenceLine',
      yConfig: opts.lines.map((l) => ({
        axisMode: 'left',
        color: l.color,
        forAccessor: l.id,
        lineStyle: 'dashed',
        lineWidth: 1,
        textVisibility: true,
      })),
    });
    references.push({ id: 'bf-breadth', name: 'indexpattern-datasource-layer-ref', type: 'index-pattern' });
  }
  if (opts.annotateSignals) {
    visLayers.push({
      annotations: [
        {
          color: '#d6001c',
          extraFields: ['signal', 'value'],
          filter: { language: 'kuery', query: 'signal : *', type: 'kibana_query' },
          icon: 'triangle',
          id: 'signal-markers',
          isHidden: false,
          key: { type: 'point_in_time' },
          label: 'Signal',
          lineStyle: 'solid',
          lineWidth: 1,
          textField: 'signal',
          textVisibility: true,
          timeField: 'date',
          type: 'query',
        },
      ],
      ignoreGlobalFilters: false,
      layerId: 'signals',
      layerType: 'annotations',
    });
    references.push({ id: 'bf-signals', name: 'xy-visualization-layer-signals', type: 'index-pattern' });
  }
  return {
    attributes: {
      description: opts.description,
      state: {
        adHocDataViews: {},
        datasourceStates: { formBased: { layers } },
        filters: [],
        internalReferences: [],
        query: { language: 'kuery', query: '' },
        visualization: {
          axisTitlesVisibilitySettings: { x: true, yLeft: true, yRight: true },
          layers: visLayers,
          legend: { isVisible: true, position: 'bottom' },
          preferredSeriesType: opts.seriesType,
          valueLabels: 'hide',
        },
      },
      title: opts.title,
      visualizationType: 'lnsXY',
    },
    coreMigrationVersion: CORE,
    id: opts.id,
    managed: false,
    references,
    type: 'lens',
    typeMigrationVersion: TYPE_MIGRATION_VERSIONS.lens,
  };
}

/** Signal markers on their own: firings per day, stacked by signal. */
const signalsChart = {
  attributes: {
    description: 'Each bar is one signal firing (bf-signals), stacked by signal name.',
    state: {
      adHocDataViews: {},
      datasourceStates: {
        formBased: {
          layers: {
            data: {
              columnOrder: ['col-signal', 'col-date', 'col-count'],
              columns: {
                'col-signal': {
                  dataType: 'string',
                  isBucketed: true,
                  label: 'signal',
                  operationType: 'terms',
                  params: {
                    missingBucket: false,
                    orderBy: { type: 'alphabetical' },
                    orderDirection: 'asc',
                    otherBucket: false,
                    size: 3,
                  },
                  scale: 'ordinal',
                  sourceField: 'signal',
                },
                'col-date': dateCol,
                'col-count': {
                  dataType: 'number',
                  isBucketed: false,
                  label: 'Firings',
                  customLabel: true,
                  operationType: 'count',
                  params: { emptyAsNull: true },
                  scale: 'ratio',
                  sourceField: '___records___',
                },
              },
              incompleteColumns: {},
              sampling: 1,
            },
          },
        },
      },
      filters: [],
      internalReferences: [],
      query: { language: 'kuery', query: '' },
      visualization: {
        layers: [
          {
            accessors: ['col-count'],
            layerId: 'data',
            layerType: 'data',
            seriesType: 'bar_stacked',
            splitAccessor: 'col-signal',
            xAccessor: 'col-date',
          },
        ],
        legend: { isVisible: true, position: 'bottom' },
        preferredSeriesType: 'bar_stacked',
        valueLabels: 'hide',
      },
    },
    title: 'bf — signal firings',
    visualizationType: 'lnsXY',
  },
  coreMigrationVersion: CORE,
  id: 'bf-lens-signal-firings',
  managed: false,
  references: [{ id: 'bf-signals', name: 'indexpattern-datasource-layer-data', type: 'index-pattern' }],
  type: 'lens',
  typeMigrationVersion: TYPE_MIGRATION_VERSIONS.lens,
};

const visualizations = [
  lens({
    id: 'bf-lens-zweig',
    title: 'bf — breadth ratio and Zweig EMA10',
    description:
      'A/(A+D) and its 10-day EMA; a Zweig thrust fires when the EMA rises from below 0.40 to above 0.615 within 10 days. Markers: signal firings.',
    series: [
      { field: 'ad_ratio', label: 'A/D ratio', color: '#9aa0a6' },
      { field: 'zweig_ema', label: 'Zweig EMA10', color: '#1f5fbf' },
    ],
    seriesType: 'line',
    lines: [
      { id: 'ref-low', label: '0.40', value: '0.4', color: '#e7664c' },
      { id: 'ref-high', label: '0.615', value: '0.615', color: '#54b399' },
    ],
    annotateSignals: true,
  }),
  lens({
    id: 'bf-lens-ad-line',
    title: 'bf — advance/decline line',
    description: 'Cumulative sum of advancers minus decliners.',
    series: [{ field: 'ad_line', label: 'AD line', color: '#6092c0' }],
    seriesType: 'line',
    annotateSignals: true,
  }),
  lens({
    id: 'bf-lens-mcclellan',
    title: 'bf — McClellan oscillator',
    description: 'EMA19 − EMA39 of advancers − decliners.',
    series: [{ field: 'mcclellan', label: 'McClellan', color: '#d36086' }],
    seriesType: 'bar',
    lines: [{ id: 'ref-zero', label: '0', value: '0', color: '#343741' }],
  }),
  signalsChart,
];

const panels = visualizations.map((_v, i) => ({
  type: 'lens',
  gridData: { x: 0, y: i * 15, w: 48, h: 15, i: `p${i + 1}` },
  panelIndex: `p${i + 1}`,
  embeddableConfig: { enhancements: {} },
  panelRefName: `panel_p${i + 1}`,
}));

const dashboard = {
  attributes: {
    description:
      'bf market-breadth thrusts: breadth ratio with its Zweig EMA and the 0.40/0.615 thresholds, signal markers, AD line, McClellan. Filter with symbol_list : "<list>".',
    kibanaSavedObjectMeta: {
      searchSourceJSON: JSON.stringify({ query: { language: 'kuery', query: '' }, filter: [] }),
    },
    optionsJSON: JSON.stringify({
      hidePanelTitles: false,
      syncColors: false,
      syncCursor: true,
      syncTooltips: true,
      useMargins: true,
    }),
    panelsJSON: JSON.stringify(panels),
    timeRestore: true,
    timeFrom: 'now-5y',
    timeTo: 'now',
    refreshInterval: { pause: true, value: 0 },
    title: 'bf — market breadth thrusts',
    version: 1,
  },
  coreMigrationVersion: CORE,
  id: 'bf-dashboard',
  managed: false,
  references: panels.map((p, i) => ({
    id: visualizations[i]!.id,
    name: `${p.panelIndex}:${p.panelRefName}`,
    type: 'lens',
  })),
  type: 'dashboard',
  typeMigrationVersion: TYPE_MIGRATION_VERSIONS.dashboard,
};

const objects = [
  dataView('bf-breadth', 'bf-breadth'),
  dataView('bf-signals', 'bf-signals'),
  ...visualizations,
  dashboard,
];
const lines = objects.map((o) => JSON.stringify(o));

export const NDJSON_PATH = fileURLToPath(new URL('./bf-dashboard.ndjson', import.meta.url));
export const ndjson = `${lines.join('\n')}\n`;

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(NDJSON_PATH, ndjson);
  process.stdout.write(`wrote ${objects.length} objects to ${NDJSON_PATH}\n`);
}
