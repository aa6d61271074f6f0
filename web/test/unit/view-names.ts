// The view names of docs/CONTRACT.md that lessons may ask for.
export const VIEW_NAMES = ['curves', 'field', 'data-preview', 'text-samples', 'predictions', 'histograms', 'layer-gradients', 'loss-surface', 'grad-through-time', 'gates', 'jacobian', 'attention', 'self-attention', 'gan', 'diffusion', 'graph', 'gradcheck', 'normal-equation', 'network-diagram', 'image-grid', 'filters'];
