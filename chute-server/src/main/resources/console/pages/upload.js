// Upload: drop files (or pick them), choose dataset and table, watch them load.
import {api} from '../api.js';
import {card, errorBanner, fmtBytes, h, mount, pageHeader} from '../dom.js';
import {fileStatusList} from '../filestatus.js';

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export async function render(root, ctx) {
  if (!ctx.can('uploader')) {
    mount(root, pageHeader('Upload', null), errorBanner('Uploading needs the uploader or admin role; you are signed in as ' + (ctx.role || 'nobody') + '.'));
    return;
  }
  const tableOptions = h('datalist', {id: 'known-tables'});
  const datasetInput = h('input', {type: 'text', name: 'dataset', required: true, placeholder: 'ecommerce', autocomplete: 'off', 'data-testid': 'upload-dataset', list: 'known-datasets'});
  const tableInput = h('input', {type: 'text', name: 'table', required: true, placeholder: 'order_events', autocomplete: 'off', 'data-testid': 'upload-table', list: 'known-tables'});
  const datasetOptions = h('datalist', {id: 'known-datasets'});
  const fileInput = h('input', {type: 'file', multiple: true, 'data-testid': 'file-input', class: 'visually-hidden', id: 'file-input'});
  const chosen = h('ul', {class: 'chosen', 'data-testid': 'chosen-files'});
  const uploadButton = h('button', {type: 'submit', class: 'primary', 'data-testid': 'upload-button', disabled: true}, 'Upload');
  const errorSlot = h('div', {});
  const statusSlot = h('div', {});
  const target = h('p', {class: 'muted small', 'data-testid': 'upload-target'});
  let files = [];

  const showChosen = () => {
    mount(chosen, files.map((f, i) => h('li', {'data-testid': 'chosen-file'},
      h('span', {class: 'mono'}, f.name), h('span', {class: 'muted small'}, fmtBytes(f.size)),
      h('button', {type: 'button', class: 'link small', title: 'Leave this file out', onclick: () => { files.splice(i, 1); showChosen(); }}, 'remove'))));
    updateState();
  };
  const updateState = () => {
    const ds = datasetInput.value.trim();
    const t = tableInput.value.trim();
    const valid = NAME.test(ds) && NAME.test(t);
    uploadButton.disabled = !(valid && files.length > 0);
    mount(target, valid ? ['Files go to ', h('span', {class: 'mono'}, 'landing/' + ds + '/' + t + '/'), ' and load into ', h('span', {class: 'mono'}, ds + '.' + t), '.']
      : 'Dataset and table: letters, digits and _, not starting with a digit.');
  };
  const addFiles = list => {
    for (const f of list) {
      if (!files.some(g => g.name === f.name && g.size === f.size)) files.push(f);
    }
    showChosen();
  };

  const zone = h('label', {class: 'drop-zone', for: 'file-input', 'data-testid': 'drop-zone', tabindex: '0'},
    h('span', {class: 'drop-icon', 'aria-hidden': 'true'}, '⇪'),
    h('span', {class: 'drop-title'}, 'Drop files here'),
    h('span', {class: 'muted small'}, 'or click to choose · CSV, TSV, JSON lines, Parquet (optionally .gz or .zst)'));
  zone.addEventListener('dragover', e => { e.preventDefault(); zone.classList.add('over'); });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', e => {
    e.preventDefault();
    zone.classList.remove('over');
    addFiles(e.dataTransfer.files);
  });
  zone.addEventListener('keydown', e => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); fileInput.click(); } });
  fileInput.addEventListener('change', () => {
    addFiles(fileInput.files);
    fileInput.value = '';
  });
  datasetInput.addEventListener('input', updateState);
  tableInput.addEventListener('input', updateState);

  const form = h('form', {class: 'upload-form', 'data-testid': 'upload-form', onsubmit: async e => {
    e.preventDefault();
    if (uploadButton.disabled) return;
    const data = new FormData();
    data.append('dataset', datasetInput.value.trim());
    data.append('table', tableInput.value.trim());
    for (const f of files) data.append('files', f, f.name);
    uploadButton.disabled = true;
    mount(errorSlot);
    try {
      const answer = await api.post('/api/upload', data);
      const keys = (answer.uploaded || []).map(u => u.key);
      files = [];
      showChosen();
      statusSlot.prepend(card('Uploaded ' + keys.length + (keys.length === 1 ? ' file' : ' files'), fileStatusList(keys, ctx.signal, {testid: 'upload-status'})));
    } catch (err) {
      mount(errorSlot, errorBanner(err.status === 413 ? 'Too large: ' + err.message : err.message, 'upload-error'));
    } finally {
      updateState();
    }
  }},
  h('div', {class: 'filters'},
    h('label', {}, 'Dataset', datasetInput),
    h('label', {}, 'Table', tableInput)),
  datasetOptions, tableOptions,
  target,
  zone, fileInput,
  chosen,
  h('div', {class: 'toolbar'}, uploadButton),
  errorSlot);

  const wanted = (ctx.query.get('table') || '').split('.');
  if (wanted.length === 2) {
    datasetInput.value = wanted[0];
    tableInput.value = wanted[1];
  }
  mount(root,
    pageHeader('Upload', 'Files you upload land in landing/<dataset>/<table>/ and load like any other.'),
    card(null, form),
    statusSlot);
  updateState();

  api.get('/api/tables', {signal: ctx.signal}).then(answer => {
    const tables = (answer.tables || []).map(t => t.table);
    const datasets = [...new Set(tables.map(t => t.split('.')[0]))];
    mount(datasetOptions, datasets.map(d => h('option', {value: d})));
    mount(tableOptions, [...new Set(tables.map(t => t.split('.')[1]))].map(t => h('option', {value: t})));
    // suggestions only: a value set now could land in the middle of the user's typing
    if (tables[0]) {
      const [d, t] = tables[0].split('.');
      datasetInput.placeholder = d;
      tableInput.placeholder = t;
    }
  }).catch(() => {});
}
