import './media.css';
import type { Panel } from '../panel';
import { imageForm } from './image-form';
import { JobList } from './job-list';
import { JobViewer } from './job-viewer';

/** Image jobs: start one, watch it run (and cancel it), page through your jobs and see their results. */
export const mediaPanel: Panel = {
  id: 'media',
  title: 'Media',
  mount(root, { api, signal }) {
    const viewer = new JobViewer(api, signal, () => void list.reload());
    const list = new JobList(api, signal, (job) => {
      viewer.follow(job);
      viewer.element.scrollIntoView({ block: 'nearest' });
    });
    const form = imageForm(api, signal, (job) => {
      viewer.follow(job);
      void list.reload();
    });
    root.append(form, viewer.element, list.element);
    void list.reload();
    return () => viewer.close();
  },
};
