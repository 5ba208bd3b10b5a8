"""Everything a lesson calls: `from fttutor.all import *` gives fastai's `vision.all` (as fastai lessons expect) and fttutor's public API.

The API is chosen on purpose and listed here, about eighty names a student calls. Everything else stays importable from its module,
e.g. `from fttutor.data import image_items` or `from fttutor.protocol import result_row`."""
import fastai.vision.all as _fastai_all
from fastai.vision.all import *
from .core import lesson_setup, lesson_profile, platform_info, measure, n_params, quiet, OfflineError
from .models import pretrained_model, imagenet_top_k, transfer_learner, body_stages, text_encoder, hf_encoder
from .data import image_dls, three_splits, photos_folder, digits_folder, text_dataset, text_splits, flip_labels
from .check import course_check
from .features import (Features, extract_features, embed_texts, linear_probe, plot_embedding, nearest_neighbours, show_neighbours,
                       features_learner, full_model)
from .freezing import (freeze_report, plot_freeze, freeze_explorer, feature_extraction_mode, fastai_freeze_mode, snapshot,
                       changed_tensors)
from .finetuning import HoldBatchNorm, training_state_mb   # and, on fastai's Learner: fit_steps, partial_steps, gradual_steps, fine_tune_steps, lp_ft
from .text import TextClassifier, text_learner, classify_texts, confusion, plot_confusion, compare_text
from .lora import save_lora, load_lora, merge_lora         # and, on fastai's Learner: to_lora, lora_steps
from .protocol import STRATEGIES, Protocol, run_strategy, ladder, plot_curves
from .stats import seed_summary, verdict_sentences, decision
from .compare import compare_strategies, plot_comparison, blog_table, decision_guide
from .transfer import sweep, plot_sweep, data_efficiency, plot_data_efficiency, crossing, layer_probe, recommend_freeze
from .deploy import export_model, save_for_export         # export_model needs the deploy extra when called, not when imported
from .noisy import noise_curve, plot_noise_curve, noise_verdict, rank_by_loss, flip_detection
# (fttutor.adapters adds to fastai's Learner: to_ia3, ia3_steps, to_prompt, prompt_steps; and the ia3 and prompt strategies)
from .adapters import peft_ladder, plot_adapters, adapter_verdict
from .tuning import tune_strategy, plot_tuning, tuned_comparison     # need the tune extra when called, not when imported

PUBLIC = ['lesson_setup', 'lesson_profile', 'platform_info', 'measure', 'n_params', 'quiet', 'OfflineError',
          'pretrained_model', 'imagenet_top_k', 'transfer_learner', 'body_stages', 'text_encoder', 'hf_encoder',
          'image_dls', 'three_splits', 'photos_folder', 'digits_folder', 'text_dataset', 'text_splits', 'flip_labels', 'course_check',
          'Features', 'extract_features', 'embed_texts', 'linear_probe', 'plot_embedding', 'nearest_neighbours', 'show_neighbours',
          'features_learner', 'full_model',
          'freeze_report', 'plot_freeze', 'freeze_explorer', 'feature_extraction_mode', 'fastai_freeze_mode', 'snapshot', 'changed_tensors',
          'HoldBatchNorm', 'training_state_mb',
          'TextClassifier', 'text_learner', 'classify_texts', 'confusion', 'plot_confusion', 'compare_text',
          'save_lora', 'load_lora', 'merge_lora',
          'STRATEGIES', 'Protocol', 'run_strategy', 'ladder', 'plot_curves',
          'compare_strategies', 'seed_summary', 'verdict_sentences', 'decision', 'plot_comparison', 'blog_table', 'sweep', 'plot_sweep', 'data_efficiency',
          'plot_data_efficiency', 'crossing', 'layer_probe', 'recommend_freeze', 'decision_guide',
          'export_model', 'save_for_export', 'noise_curve', 'plot_noise_curve', 'noise_verdict', 'rank_by_loss', 'flip_detection',
          'peft_ladder', 'plot_adapters', 'adapter_verdict', 'tune_strategy', 'plot_tuning', 'tuned_comparison']
__all__ = [n for n in dir(_fastai_all) if not n.startswith('_')] + PUBLIC
