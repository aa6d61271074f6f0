// The plot primitives (one class per plot, no app state) and their pure helpers.
// Styles: import '../views.css' once in the app (main.ts).
export * from './scales';
export { Surface, Tooltip, readTheme, setGradlabData, el, type Theme, type DataElement } from './surface';
export { drawAxes, drawColorBar, plotBox } from './axes';
export { LineChart, nearestIndex, type Series, type LineChartOptions } from './line-chart';
export { Heatmap, type HeatmapData, type HeatmapOptions, type HeatmapCell } from './heatmap';
export { Histogram, type HistogramData, type HistogramOptions } from './histogram';
export { ScatterPlot, type ScatterData, type PointLayer, type ArrowLayer, type GridBackground } from './scatter-plot';
export { FieldPlot, fieldModel, type FieldSnapshot, type FieldModel } from './field-plot';
