// The "inside the network" views: one class per view, `new View(host, options?)`,
// `update(snapshot)`, `dispose()`; each root has data-view="<name>" and `gradlabData`.
// Pure data shaping (tested on engine fixtures) is in ./models. Styles: src/views.css.
export { AttentionView } from './attention';
export { DiffusionView } from './diffusion';
export { GanView, type GanPlayer } from './gan';
export { GatesView } from './gates';
export { GradcheckView } from './gradcheck';
export { GradThroughTime, GradThroughTimeView } from './grad-through-time';
export { GraphView } from './graph';
export { HistogramsView } from './histograms';
export { FiltersView, ImageGridView } from './images';
export * from './images-model';
export { JacobianView } from './jacobian';
export { LayerGradientsView } from './layer-gradients';
export { LossSurfaceView } from './loss-surface';
export { NormalEquationView, normalEquationModel, type NormalEquationModel } from './normal-equation';
export { PredictionsView } from './predictions';
export { SelfAttentionView } from './self-attention';
export { TextSamplesView, type SampleRequest } from './text-samples';
export * from './models';
export * from './diffusion-model';
